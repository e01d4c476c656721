import { MEASUREMENTS, formatPath, type MeasurementKey } from '../../core/index.ts';
import type { GatewayConfig } from '../config.ts';
import { REGISTER_WIDTH } from '../models/index.ts';
import { bitsPerChar, wireFigures } from './planner.ts';
import { meterModel, meterRequests } from './meter-plan.ts';
import { serialReadMs } from '../protocols/line-time.ts';
import { SERIAL_PROTOCOLS, findProtocolModel } from '../protocols/registry.ts';

export interface ConfigFinding {
  level: 'error' | 'warning';
  path: string;
  message: string;
}

/**
 * Checks a parsed gateway config beyond its schema: register tables that cannot be right, and
 * buses that cannot keep their schedule. Errors would give wrong data; warnings lose some of it.
 */
export function checkGatewayConfig(cfg: GatewayConfig): ConfigFinding[] {
  const out: ConfigFinding[] = [];
  const err = (path: (string | number)[], message: string) => out.push({ level: 'error', path: formatPath(path), message });
  const warn = (path: (string | number)[], message: string) => out.push({ level: 'warning', path: formatPath(path), message });
  const buses = new Map(cfg.buses.map((b) => [b.id, b]));

  cfg.meters.forEach((m, i) => {
    const bus = buses.get(m.bus);
    if (!bus) return;
    if (bus.type === 'mqtt') {
      for (const key of Object.keys(m.mqtt?.fields ?? {}) as MeasurementKey[]) {
        const k = MEASUREMENTS[key].kind;
        if (m.kind && k && k !== m.kind) err(['meters', i, 'mqtt', 'fields', key], `${key} is a ${k} measurement on a ${m.kind} meter`);
      }
      return;
    }
    let model;
    try {
      model = meterModel(m);
    } catch {
      return; // the schema has already reported the unknown model or missing registers
    }
    if (m.kind && m.model !== 'generic' && m.kind !== model.kind) err(['meters', i, 'kind'], `model ${model.name} meters ${model.kind}, not ${m.kind}`);
    if (m.model === 'generic') {
      const regs = m.registers ?? [];
      regs.forEach((r, j) => {
        const k = MEASUREMENTS[r.measurement].kind;
        if (m.kind && k && k !== m.kind) err(['meters', i, 'registers', j, 'measurement'], `${r.measurement} is a ${k} measurement on a ${m.kind} meter`);
        const end = r.address + REGISTER_WIDTH[r.type];
        if (end > 0x10000) err(['meters', i, 'registers', j, 'address'], `a ${r.type} at ${r.address} runs past register 65535`);
        for (let k2 = 0; k2 < j; k2++) {
          const o = regs[k2]!;
          if (o.fc !== r.fc) continue;
          if (r.address < o.address + REGISTER_WIDTH[o.type] && o.address < end) {
            err(['meters', i, 'registers', j, 'address'], `overlaps registers[${k2}] (${o.measurement} at ${o.address}, FC ${o.fc})`);
          }
          if (o.measurement === r.measurement) err(['meters', i, 'registers', j, 'measurement'], `${r.measurement} is already read by registers[${k2}]`);
        }
      });
    }
    const timeoutMs = m.timeoutMs ?? bus.timeoutMs;
    if (timeoutMs > m.intervalMs) warn(['meters', i, 'timeoutMs'], `timeout ${timeoutMs} ms is longer than the interval ${m.intervalMs} ms: a slow answer costs a whole interval`);
  });

  // An RS-485 line carries one transaction at a time: the meters' line time per second must fit.
  cfg.buses.forEach((b, i) => {
    const meters = cfg.meters.filter((m) => m.bus === b.id);
    if (meters.length === 0) {
      warn(['buses', i], `no meter uses bus "${b.id}"`);
      return;
    }
    if (b.type !== 'rtu') return;
    const line = { baud: b.baud, bitsPerChar: bitsPerChar(b) };
    let load = 0;
    for (const m of meters) {
      // DL/T 645 / CJ/T 188: one transaction per identifier (or one 901FH read), at 2400 baud by default.
      if (m.protocol === 'dlt645' || m.protocol === 'cjt188') {
        const model = findProtocolModel(m.protocol, m.model);
        if (model) load += (serialReadMs(model, m.preamble ?? SERIAL_PROTOCOLS[m.protocol].preamble, line) + b.interFrameDelayMs) / m.intervalMs;
        continue;
      }
      try {
        const requests = meterRequests(m);
        load += (wireFigures(requests, line).lineTimeWithSilenceMs + requests.length * b.interFrameDelayMs) / m.intervalMs;
      } catch {
        // reported above
      }
    }
    if (load > 0.8) warn(['buses', i], `meters need ${(load * 100).toFixed(0)}% of the line's time at ${b.baud} baud: lengthen intervals or raise the baud rate`);
  });
  return out;
}
