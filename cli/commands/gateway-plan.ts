import type { Command } from '../command.ts';
import { parseFlags, UsageError } from '../command.ts';
import { t } from '../i18n.ts';
import { findModel, MODELS } from '../../gateway/models/index.ts';
import { bitsPerChar, limitsFor, wireEfficiency, type WireFigures } from '../../gateway/poll/planner.ts';

const BAUDS = [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200];
const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
const round = (x: number, digits = 4) => Number(x.toFixed(digits));

function figuresJson(f: WireFigures) {
  return {
    request_count: f.requests,
    bytes: f.bytes,
    payload_bytes: f.payloadBytes,
    useful_bytes: f.usefulBytes,
    line_time_ms: round(f.lineTimeMs, 3),
    line_time_with_silence_ms: round(f.lineTimeWithSilenceMs, 3),
    payload_share: round(f.payloadShare),
    payload_share_with_silence: round(f.payloadShareWithSilence),
    useful_share: round(f.usefulShare),
  };
}

const command: Command = {
  summary: ['Show the read plan of a meter model and its share of RS-485 line time', '显示表型号的读取计划及其 RS-485 线路时间利用率'],
  usage: '--model NAME [--baud N] [--parity none|even|odd] [--stop-bits 1|2] [--max-gap N] [--max-registers N] [--json]',
  async run(argv) {
    const { values: f } = parseFlags(argv, {
      model: { type: 'string' }, baud: { type: 'string' }, parity: { type: 'string' }, 'stop-bits': { type: 'string' },
      'max-gap': { type: 'string' }, 'max-registers': { type: 'string' }, json: { type: 'boolean' },
    });
    if (!f.model) throw new UsageError('--model is required');
    const model = findModel(f.model);
    if (!model) throw new UsageError(`--model: unknown model "${f.model}" (${MODELS.map((m) => m.name).join(', ')})`);
    const baud = Number(f.baud ?? 9600);
    if (!BAUDS.includes(baud)) throw new UsageError(`--baud: expected one of ${BAUDS.join(', ')}`);
    const parity = f.parity ?? 'none';
    if (parity !== 'none' && parity !== 'even' && parity !== 'odd') throw new UsageError('--parity: expected none, even or odd');
    const stopBits = Number(f['stop-bits'] ?? 1);
    if (stopBits !== 1 && stopBits !== 2) throw new UsageError('--stop-bits: expected 1 or 2');
    const int = (v: string | undefined, name: string, min: number, max: number) => {
      if (v === undefined) return undefined;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name}: expected an integer ${min}–${max}`);
      return n;
    };
    const maxGap = int(f['max-gap'], 'max-gap', 0, 124);
    const maxRegisters = int(f['max-registers'], 'max-registers', 4, 125);
    const override = { ...(maxGap !== undefined && { maxGap }), ...(maxRegisters !== undefined && { maxRegisters }) };

    const line = { baud, bitsPerChar: bitsPerChar({ parity, stopBits }) };
    const limits = limitsFor(model, override);
    const { plan, planned, onePerValue } = wireEfficiency(model, line, override);
    const requests = plan.map((q) => ({ fc: q.fc, address: q.address, count: q.count, measurements: q.registers.map((r) => r.measurement) }));

    if (f.json) {
      console.log(JSON.stringify({
        model: model.name, baud, bits_per_char: line.bitsPerChar, max_registers: limits.maxRegisters, max_gap: limits.maxGap,
        requests, ...figuresJson(planned), one_value_per_request: figuresJson(onePerValue),
      }));
      return 0;
    }
    console.log(`${model.vendor} ${model.name} — ${baud} baud, ${line.bitsPerChar} ${t('bits per character', '位/字符')}, ` +
      `maxRegisters ${limits.maxRegisters}, maxGap ${limits.maxGap}`);
    for (const q of requests) {
      const hexAddr = `0x${q.address.toString(16).padStart(4, '0')}`;
      console.log(`  FC${String(q.fc).padStart(2, '0')} ${hexAddr} ×${String(q.count).padEnd(3)} ${q.measurements.join(', ')}`);
    }
    const row = (label: string, w: WireFigures) =>
      console.log(`  ${label.padEnd(24)} ${String(w.requests).padStart(3)} ${t('req', '次')}  ${String(w.bytes).padStart(5)} B  ` +
        `${w.lineTimeMs.toFixed(1).padStart(7)} ms (${w.lineTimeWithSilenceMs.toFixed(1)} ms ${t('with silences', '含帧间静默')})  ` +
        `${t('payload', '有效载荷')} ${pct(w.payloadShare)}  ${t('useful', '所需数据')} ${pct(w.usefulShare)}`);
    row(t('planned', '合并读取'), planned);
    row(t('one value per request', '每次一个值'), onePerValue);
    return 0;
  },
};

export default command;
