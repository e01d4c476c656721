import type { Command } from '../command.ts';
import { parseFlags, UsageError } from '../command.ts';
import { t } from '../i18n.ts';
import { parseHex } from '../../gateway/protocols/bcd.ts';
import { decodeCjt188, decodeDlt645 } from '../../gateway/protocols/decode.ts';
import { FrameError } from '../../gateway/protocols/errors.ts';
import { render, type Decoded } from './decode-report.ts';
import { decodeModbusRtu } from './decode-modbus-rtu.ts';
import { decodeMbus } from './decode-mbus.ts';

interface Decoder {
  /** For the first output line: "DL/T 645-2007". */
  label: string;
  /**
   * Decodes one frame. Throws a FrameError (or any error with a string `code`) for a frame that
   * cannot be accepted — printed as the refusal, exit 1 — and a RangeError for a bad --model.
   */
  decode(bytes: Buffer, model: string | undefined, extra: { start?: number }): Decoded;
}

const hex = (n: number) => `${n.toString(16).toUpperCase().padStart(2, '0')}H`;

// One entry per protocol: another protocol adds its decoder here and nothing else changes.
const DECODERS: Record<string, Decoder> = {
  dlt645: {
    label: 'DL/T 645-2007',
    decode(bytes, model) {
      const d = decodeDlt645(bytes, model);
      const fields: [string, string][] = [['address', d.address], ['control', `${hex(d.control)} ${d.meaning}`]];
      if (d.skipped) fields.push(['skipped', `${d.skipped} byte(s) before 68H`]);
      if (d.di) fields.push(['data identifier', d.di]);
      return render({ protocol: 'dlt645', fields, values: d.values, ...(d.error ? { error: d.error } : {}) });
    },
  },
  cjt188: {
    label: 'CJ/T 188',
    decode(bytes, model) {
      const d = decodeCjt188(bytes, model);
      const fields: [string, string][] = [['meter type', hex(d.meterType ?? 0)], ['address', d.address], ['control', `${hex(d.control)} ${d.meaning}`]];
      if (d.skipped) fields.push(['skipped', `${d.skipped} byte(s) before 68H`]);
      if (d.di) fields.push(['data identifier', d.di]);
      return render({ protocol: 'cjt188', fields, values: d.values, ...(d.error ? { error: d.error } : {}), ...(d.alarms ? { alarms: d.alarms } : {}) });
    },
  },
  'modbus-rtu': {
    label: 'Modbus RTU',
    decode: (bytes, model, extra) => render(decodeModbusRtu(bytes, model, extra.start)),
  },
  mbus: {
    label: 'M-Bus (EN 13757-2/-3)',
    decode: (bytes, model) => decodeMbus(bytes, model),
  },
};

const command: Command = {
  summary: ['Decode one captured frame (sniffer or serial-server log) field by field', '逐字段解析一帧抓取的报文（串口监听或串口服务器日志）'],
  usage: `--protocol ${Object.keys(DECODERS).join('|')} --hex "68 …" [--model NAME] [--start N (a modbus-rtu answer's first register)] [--json]`,
  async run(argv) {
    const { values: f } = parseFlags(argv, {
      protocol: { type: 'string' }, hex: { type: 'string' }, model: { type: 'string' }, start: { type: 'string' }, json: { type: 'boolean' },
    });
    const decoder = f.protocol ? DECODERS[f.protocol] : undefined;
    if (!decoder) throw new UsageError(`--protocol: expected one of ${Object.keys(DECODERS).join(', ')}`);
    if (!f.hex) throw new UsageError('--hex is required (the frame as hex bytes, e.g. "68 AA … 16")');
    let bytes: Buffer;
    try {
      bytes = parseHex(f.hex);
    } catch (err) {
      throw new UsageError(`--hex: ${(err as Error).message}`);
    }
    let start: number | undefined;
    if (f.start !== undefined) {
      start = Number(f.start);
      if (!Number.isInteger(start) || start < 0 || start > 65535) throw new UsageError('--start: expected a register address 0–65535');
    }
    let out: Decoded;
    try {
      out = decoder.decode(bytes, f.model, start === undefined ? {} : { start });
    } catch (err) {
      if (err instanceof RangeError) throw new UsageError(err.message);
      const code = err instanceof FrameError ? err.code : (err as { code?: unknown })?.code;
      if (typeof code !== 'string') throw err;
      // A refused frame is an answer, not a crash: say what is wrong with it.
      if (f.json) console.log(JSON.stringify({ protocol: f.protocol, refused: { code, message: (err as Error).message } }));
      else console.log(`${decoder.label}: ${t('frame refused', '报文无效')} — ${code}: ${(err as Error).message}`);
      return 1;
    }
    if (f.json) {
      console.log(JSON.stringify(out.json));
      return 0;
    }
    console.log(decoder.label);
    for (const line of out.lines) console.log(`  ${line}`);
    return 0;
  },
};
export default command;
