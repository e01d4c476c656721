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

const command: Command = {
  summary: ['Read one meter once and print its decoded values', '读取一块表一次并显示解码后的数值'],
  usage: '--model NAME (--rtu PATH [--baud N] [--parity none|even|odd] | --tcp HOST:PORT | --rtu-over-tcp HOST:PORT) --id N [--meter ID] [--ct N] [--pt N] [--timeout MS] [--raw] [--json]',
  async run(argv) {
    const { values: f } = parseFlags(argv, {
      model: { type: 'string' }, rtu: { type: 'string' }, baud: { type: 'string' }, parity: { type: 'string' }, tcp: { type: 'string' },
      'rtu-over-tcp': { type: 'string' }, id: { type: 'string' }, meter: { type: 'string' }, ct: { type: 'string' }, pt: { type: 'string' },
      timeout: { type: 'string' }, json: { type: 'boolean' }, raw: { type: 'boolean' },
    });
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
export default command;
