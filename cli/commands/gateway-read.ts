import type { Command } from '../command.ts';
import { parseFlags, UsageError } from '../command.ts';
import { t } from '../i18n.ts';
import { ID_PATTERN, MEASUREMENTS, type MeasurementKey } from '../../core/index.ts';
import { createModbusLink, describeTarget, targetFromFlags, type LinkTarget } from '../../gateway/drivers/index.ts';
import { findModel, MODELS } from '../../gateway/models/index.ts';
import { limitsFor, planReads } from '../../gateway/poll/planner.ts';
import { readPlan } from '../../gateway/poll/meter-plan.ts';
import { buildReading } from '../../gateway/poll/reading.ts';
import { describeFailure } from '../../gateway/poll/failures.ts';
import { formatRawRead, recordingLink } from './raw-capture.ts';
import { createFrameLink } from '../../gateway/drivers/frame-link.ts';
import { serialReader } from '../../gateway/protocols/readers.ts';
import { hexOf } from '../../gateway/protocols/bcd.ts';
import type { Exchange } from '../../gateway/protocols/exchange.ts';
import { SERIAL_PROTOCOLS, findProtocolModel } from '../../gateway/protocols/registry.ts';
import type { Provenance } from '../../gateway/models/index.ts';
import { meterTypeFlag, serialProtocol, serialTargetFromFlags } from './serial-target.ts';

/**
 * Printed under --raw for a model checked against no real bytes yet (docs/meter-models.md,
 * "Contributing a capture from the field"): the lines above are what a capture needs.
 */
function captureHint(model: { name: string; provenance: Provenance }, protocol: string): string[] {
  if (model.provenance.status === 'captured') return [t(`  (${model.name} is checked against captured bytes: ${model.provenance.source})`, `  （${model.name} 已用实测报文核对：${model.provenance.source}）`)];
  const test = protocol === 'modbus' ? 'test/unit/gateway/models/captured.test.ts (CAPTURES)' : 'test/unit/gateway/protocols/captured-frames.ts';
  return [
    t(`  ${model.name} has not been checked against a real meter yet (datasheet only). To turn this reading into a capture:`,
      `  ${model.name} 尚未用真实仪表核对（仅依据说明书）。把这次读数变成一条实测记录：`),
    t('  1. note what the meter\'s own display shows for the same quantities, now;', '  1. 记下此刻仪表自身显示屏上对应量的读数；'),
    t(`  2. add the raw lines above to ${test}, with the display values as the expected values and who/when/which meter as the source;`,
      `  2. 把上面的 raw 行加入 ${test}，期望值填显示屏读数，来源写明何人、何时、哪块表；`),
    t('  3. see docs/meter-models.md, "Contributing a capture from the field".', '  3. 详见 docs/meter-models.md 的 "Contributing a capture from the field"。'),
  ];
}

const command: Command = {
  summary: ['Read one meter once and print its decoded values', '读取一块表一次并显示解码后的数值'],
  usage: '--model NAME (--rtu PATH [--baud N] [--parity none|even|odd] | --tcp HOST:PORT | --rtu-over-tcp HOST:PORT) --id N [--meter ID] [--ct N] [--pt N] [--timeout MS] [--raw] [--json]\n' +
    '       --protocol dlt645|cjt188 --address N [--model NAME] (--rtu PATH [--baud N] [--parity P] | --rtu-over-tcp HOST:PORT) [--meter-type 0x10] [--preamble 0-4] [--meter ID] [--ct N] [--pt N] [--timeout MS] [--raw] [--json]' +
    '\n' + '       --protocol mbus (--address N | --secondary ID) [--model NAME] (--rtu PATH [--baud 2400] [--parity even] | --rtu-over-tcp HOST:PORT) [--meter ID] [--timeout MS] [--raw] [--json]',
  async run(argv) {
    // M-Bus has its own addressing (primary or secondary) and flags: mbus-commission.ts.
    if (argv.includes('--protocol=mbus') || argv.some((a, i) => a === '--protocol' && argv[i + 1] === 'mbus')) {
      return (await import('./mbus-commission.ts')).readMbus(argv);
    }
    const { values: f } = parseFlags(argv, {
      model: { type: 'string' }, rtu: { type: 'string' }, baud: { type: 'string' }, parity: { type: 'string' }, tcp: { type: 'string' },
      'rtu-over-tcp': { type: 'string' }, id: { type: 'string' }, meter: { type: 'string' }, ct: { type: 'string' }, pt: { type: 'string' },
      timeout: { type: 'string' }, json: { type: 'boolean' }, raw: { type: 'boolean' },
      protocol: { type: 'string' }, address: { type: 'string' }, 'meter-type': { type: 'string' }, preamble: { type: 'string' },
    });
    if (f.protocol !== undefined && f.protocol !== 'modbus') return readSerial(f);
    if (!f.model) throw new UsageError('--model is required');
    const model = findModel(f.model);
    if (!model) throw new UsageError(`--model: unknown model "${f.model}" (${MODELS.map((m) => m.name).join(', ')})`);
    const unitId = Number(f.id);
    if (!Number.isInteger(unitId) || unitId < 1 || unitId > 247) throw new UsageError('--id: expected integer 1–247');
    let target: LinkTarget;
    try {
      target = targetFromFlags(f);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const num = (v: string | undefined, name: string, def: number) => {
      const n = v === undefined ? def : Number(v);
      if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${name}: expected a positive number`);
      return n;
    };
    const ct = num(f.ct, 'ct', 1);
    const pt = num(f.pt, 'pt', 1);
    const timeoutMs = num(f.timeout, 'timeout', 1000);
    const meter = f.meter ?? `${model.name.toLowerCase()}-${unitId}`;
    if (!ID_PATTERN.test(meter)) throw new UsageError('--meter: expected an id (A–Z a–z 0–9 _ . -)');

    const link = createModbusLink(target, { connectTimeoutMs: Math.max(timeoutMs, 2000), reconnectDelayMs: 0 });
    const recorder = recordingLink(link);
    try {
      let result: Awaited<ReturnType<typeof readPlan>>;
      try {
        result = await readPlan(recorder.link, unitId, planReads(model.registers, limitsFor(model)), timeoutMs, Date.now);
      } catch (err) {
        console.error(`${t('error', '错误')}: ${describeTarget(target)} #${unitId}: ${describeFailure(err)}`);
        return 1;
      }
      const reading = buildReading(meter, result.ts, result.values, { ct, pt }, new Map());
      if (f.json) {
        const out = { meter: reading.meter, ts: reading.ts, values: reading.values };
        console.log(JSON.stringify(f.raw ? { ...out, raw: recorder.reads } : out));
        return 0;
      }
      console.log(`${meter}  ${model.vendor} ${model.name}  ${describeTarget(target)} #${unitId}  ${new Date(reading.ts).toISOString()}`);
      if (f.raw) {
        // CT/PT multipliers would make the printed values disagree with the bytes; say so.
        if (ct !== 1 || pt !== 1) console.log(t(`  (values below include CT ${ct} × PT ${pt}; the bytes do not)`, `  （下列数值已乘 CT ${ct} × PT ${pt}，原始字节未乘）`));
        for (const r of recorder.reads) console.log(`  ${formatRawRead(r)}`);
        for (const line of captureHint(model, 'modbus')) console.log(line);
      }
      // A capture needs every digit the bytes carry; a plain reading stays readable.
      const shown = (v: number) => (f.raw ? String(v) : String(Number(v.toPrecision(10))));
      const keys = [...new Set([...Object.keys(reading.values), ...Object.keys(reading.quality ?? {})])] as MeasurementKey[];
      for (const k of keys) {
        const def = MEASUREMENTS[k];
        const v = reading.values[k];
        const flag = reading.quality?.[k];
        const label = t(def.en, def.zh);
        console.log(`  ${k.padEnd(30)} ${v === undefined ? '—'.padStart(14) : shown(v).padStart(14)} ${def.unit.padEnd(5)} ${label}${flag ? `  [${flag}]` : ''}`);
      }
      return 0;
    } finally {
      await link.close();
    }
  },
};
type ReadFlags = Record<string, string | boolean | undefined>;

/** `gateway read --protocol dlt645|cjt188`: one read through the same reader the scheduler uses. */
async function readSerial(f: ReadFlags): Promise<number> {
  const str = (k: string) => (typeof f[k] === 'string' ? f[k] as string : undefined);
  const protocol = serialProtocol(str('protocol')!);
  const proto = SERIAL_PROTOCOLS[protocol];
  const address = str('address');
  if (!address) throw new UsageError(`--address is required (${protocol === 'dlt645' ? '12' : '14'} digits from the nameplate)`);
  const meterType = meterTypeFlag(str('meter-type'));
  if (meterType !== undefined && protocol !== 'cjt188') throw new UsageError('--meter-type is a CJ/T 188 setting');
  for (const [key, message] of proto.checkMeter({ address })) throw new UsageError(`--${key}: ${message}`);
  // The generic model of the protocol unless one is named.
  const defaults: Partial<Record<string, string>> = { dlt645: 'DLT645-1P', cjt188: 'CJT188-Water' };
  const name = str('model') ?? defaults[protocol];
  if (!name) throw new UsageError(`--model is required for ${proto.label}`);
  const model = findProtocolModel(protocol, name);
  if (!model) throw new UsageError(`--model: unknown ${proto.label} model "${name}" (${proto.models.map((m) => m.name).join(', ')})`);
  const target = serialTargetFromFlags(f as Parameters<typeof serialTargetFromFlags>[0], protocol);
  const num = (v: string | undefined, flag: string, def: number, ok: (n: number) => boolean) => {
    const n = v === undefined ? def : Number(v);
    if (!Number.isFinite(n) || !ok(n)) throw new UsageError(`--${flag}: unexpected value "${v}"`);
    return n;
  };
  const ct = num(str('ct'), 'ct', 1, (n) => n > 0);
  const pt = num(str('pt'), 'pt', 1, (n) => n > 0);
  const timeoutMs = num(str('timeout'), 'timeout', 1500, (n) => Number.isInteger(n) && n >= 10 && n <= 60_000);
  const preamble = num(str('preamble'), 'preamble', proto.preamble, (n) => Number.isInteger(n) && n >= 0 && n <= 4);
  const meter = str('meter') ?? `${model.name.toLowerCase()}-${address}`;
  if (!ID_PATTERN.test(meter)) throw new UsageError('--meter: expected an id (A–Z a–z 0–9 _ . -)');

  const exchanges: Exchange[] = [];
  const link = createFrameLink(target, { connectTimeoutMs: Math.max(timeoutMs, 2000), reconnectDelayMs: 0 });
  try {
    let result: Awaited<ReturnType<ReturnType<typeof serialReader>>>;
    try {
      const read = serialReader({ protocol, model: model.name, address, meterType, preamble }, link, {
        clock: Date.now, onExchange: (e) => exchanges.push(e),
        onUnsupported: (what, reason) => console.error(t(`  ${what}: ${reason}`, `  ${what}：${reason}`)),
      });
      result = await read(timeoutMs);
    } catch (err) {
      console.error(`${t('error', '错误')}: ${describeTarget(target)} ${address}: ${describeFailure(err)}`);
      return 1;
    }
    const reading = buildReading(meter, result.ts, result.values, { ct, pt }, new Map());
    const raw = exchanges.map((e) => ({ what: e.what, request: e.request.toString('hex'), response: e.response.toString('hex') }));
    if (f.json) {
      const out = { meter: reading.meter, ts: reading.ts, values: reading.values, alarms: result.alarms ?? [], provenance: model.provenance };
      console.log(JSON.stringify(f.raw ? { ...out, raw } : out));
      return 0;
    }
    console.log(`${meter}  ${model.vendor} ${model.name}  ${describeTarget(target)} ${address}  ${new Date(reading.ts).toISOString()}`);
    if (f.raw) {
      if (ct !== 1 || pt !== 1) console.log(t(`  (values below include CT ${ct} × PT ${pt}; the bytes do not)`, `  （下列数值已乘 CT ${ct} × PT ${pt}，原始字节未乘）`));
      for (const e of exchanges) console.log(`  raw ${e.what}: tx=${hexOf(e.request)} rx=${hexOf(e.response)}`);
      for (const line of captureHint(model, protocol)) console.log(line);
    }
    const shown = (v: number) => (f.raw ? String(v) : String(Number(v.toPrecision(10))));
    for (const k of Object.keys(reading.values) as MeasurementKey[]) {
      const def = MEASUREMENTS[k];
      console.log(`  ${k.padEnd(30)} ${shown(reading.values[k]!).padStart(14)} ${def.unit.padEnd(5)} ${t(def.en, def.zh)}${reading.quality?.[k] ? `  [${reading.quality[k]}]` : ''}`);
    }
    if (result.alarms?.length) console.log(`  ${t('alarms', '告警')}: ${result.alarms.join(', ')}`);
    return 0;
  } finally {
    await link.close();
  }
}

export default command;
