import { formatPath } from '../../core/issues.ts';
import type { GatewayConfig, MeterConfig } from '../config.ts';
import { checkModel, measurementProblem, type ModelFinding } from '../models/check.ts';
import { genericTable } from '../models/generic.ts';
import { GENERIC, findModel } from '../models/index.ts';
import { bitsPerChar, wireFigures } from './planner.ts';
import { meterRequests } from './meter-plan.ts';
import { serialReadMs } from '../protocols/line-time.ts';
import { SERIAL_PROTOCOLS, findProtocolModel } from '../protocols/registry.ts';

export interface ConfigFinding {
  level: 'error' | 'warning';
  path: string;
  message: string;
}

/**
 * A config meter against the model it is read with, through the one model checker: the table of
 * a `generic` meter gets the rules every built-in model is held to, and a built-in model is
 * checked the same way (it passes unless its file was broken). MQTT meters: their field map.
 * Paths are relative to the meter.
 */
export function checkMeter(m: MeterConfig, onMqttBus: boolean): ModelFinding[] {
  const out: ModelFinding[] = [];
  if (onMqttBus) {
    if (!m.kind) return out;
    for (const key of Object.keys(m.mqtt?.fields ?? {})) {
      const problem = measurementProblem(key, m.kind);
      if (problem) out.push({ level: 'error', path: ['mqtt', 'fields', key], message: problem });
    }
    return out;
  }
  if (m.protocol === 'modbus' && m.model.toLowerCase() === GENERIC) {
    // The schema has already reported a generic meter without registers or kind.
    if (!m.kind || !m.registers?.length) return out;
    // The table's paths are the meter's: registers[j].address in one is registers[j].address in the other.
    return checkModel(genericTable(m.registers, m.kind));
  }
  const model = m.protocol === 'modbus' ? findModel(m.model) : findProtocolModel(m.protocol, m.model);
  if (!model) return out; // the schema has reported the unknown model
  for (const f of checkModel(model)) out.push({ level: f.level, path: ['model'], message: `model ${model.name}: ${formatPath(f.path)}: ${f.message}` });
  if (m.kind && m.kind !== model.kind) out.push({ level: 'error', path: ['kind'], message: `model ${model.name} meters ${model.kind}, not ${m.kind}` });
  return out;
}

/**
 * Checks a parsed gateway config beyond its schema: register tables that cannot be right, and
 * buses that cannot keep their schedule. Errors would give wrong data; warnings lose some of it.
 */
export function checkGatewayConfig(cfg: GatewayConfig): ConfigFinding[] {
  const out: ConfigFinding[] = [];
  const warn = (path: (string | number)[], message: string) => out.push({ level: 'warning', path: formatPath(path), message });
  const buses = new Map(cfg.buses.map((b) => [b.id, b]));

  cfg.meters.forEach((m, i) => {
    const bus = buses.get(m.bus);
    if (!bus) return;
    for (const f of checkMeter(m, bus.type === 'mqtt')) out.push({ level: f.level, path: formatPath(['meters', i, ...f.path]), message: f.message });
    if (bus.type === 'mqtt' || m.protocol !== 'modbus') return;
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
