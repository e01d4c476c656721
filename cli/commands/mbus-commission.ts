import { UsageError, parseFlags } from '../command.ts';
import { t } from '../i18n.ts';
import { ID_PATTERN, MEASUREMENTS, type MeasurementKey } from '../../core/index.ts';
import { createFrameLink } from '../../gateway/drivers/frame-link.ts';
import { describeTarget as describeLink } from '../../gateway/drivers/index.ts';
import { MBUS_MODELS, MBUS_HEAT, MBUS_WATER, type MbusModel } from '../../gateway/models/mbus.ts';
import type { Exchange } from '../../gateway/protocols/exchange.ts';
import {
  describeRecord, describeTarget, formatValue, mapRecords, mediumKind, mediumName, readout, scanPrimary, searchSecondary, statusAlarms,
  type Found, type MbusTarget, type SecondaryId,
} from '../../gateway/protocols/mbus/index.ts';
import { describeFailure } from '../../gateway/poll/failures.ts';
import { buildReading } from '../../gateway/poll/reading.ts';
import { serialTargetFromFlags } from './serial-target.ts';

/**
 * Commissioning M-Bus meters: `gateway scan --protocol mbus` (primary sweep, or the secondary
 * search with --secondary) and `gateway read --protocol mbus` (one complete readout, mapped by the
 * model, with --raw the frames and every record).
 */
export const MBUS_SCAN_USAGE = '--protocol mbus (--rtu PATH [--baud 2400] [--parity even] | --rtu-over-tcp HOST:PORT) [--addresses 1-250 | --secondary] [--timeout MS] [--json]';
export const MBUS_READ_USAGE = '--protocol mbus (--address N | --secondary ID) [--model NAME] (--rtu PATH [--baud 2400] [--parity even] | --rtu-over-tcp HOST:PORT) [--meter ID] [--timeout MS] [--raw] [--json]';

const hex2 = (n: number) => n.toString(16).toUpperCase().padStart(2, '0');
const hexOf = (b: Buffer) => b.toString('hex').toUpperCase().replace(/(..)(?=.)/g, '$1 ');

/** The model a slave's header points to: same maker, medium and version first, then same maker and medium, then the generic one of its medium. */
export function guessMbusModel(s: SecondaryId): MbusModel | undefined {
  const specific = MBUS_MODELS.filter((m) => m !== MBUS_HEAT && m !== MBUS_WATER);
  const exact = specific.find((m) => m.manufacturer === s.manufacturer && m.medium === s.medium && m.version === s.version);
  if (exact) return exact;
  const maker = specific.find((m) => m.manufacturer === s.manufacturer && m.medium === s.medium);
  if (maker) return maker;
  const kind = mediumKind(s.medium);
  return kind === 'heat' ? MBUS_HEAT : kind === 'water' ? MBUS_WATER : undefined;
}

/** "1-250", "1,5,7-9" → primary addresses (EN 13757-2: 1–250). */
export function primaryList(spec: string): number[] {
  const out = new Set<number>();
  for (const part of spec.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^(\d{1,3})(?:-(\d{1,3}))?$/.exec(part);
    const from = m ? Number(m[1]) : NaN;
    const to = m ? Number(m[2] ?? m[1]) : NaN;
    if (!m || from < 1 || to > 250 || from > to) throw new UsageError(`--addresses: expected primary addresses 1–250 such as 1-250 or 1,5,7-9, got "${part}"`);
    for (let a = from; a <= to; a++) out.add(a);
  }
  if (out.size === 0) throw new UsageError('--addresses: no address given');
  return [...out].sort((a, b) => a - b);
}

function timeoutFlag(v: string | undefined, def: number): number {
  const n = v === undefined ? def : Number(v);
  if (!Number.isInteger(n) || n < 10 || n > 60_000) throw new UsageError('--timeout: expected milliseconds, 10–60000');
  return n;
}

export async function scanMbus(argv: string[]): Promise<number> {
  const { values: f } = parseFlags(argv, {
    protocol: { type: 'string' }, rtu: { type: 'string' }, baud: { type: 'string' }, parity: { type: 'string' }, tcp: { type: 'string' },
    'rtu-over-tcp': { type: 'string' }, addresses: { type: 'string' }, secondary: { type: 'boolean' }, timeout: { type: 'string' }, json: { type: 'boolean' },
  });
  if (f.secondary && f.addresses !== undefined) throw new UsageError(t('give --addresses (primary sweep) or --secondary (secondary search), not both', '--addresses（一次地址扫描）与 --secondary（二次地址搜索）只能选一个'));
  const target = serialTargetFromFlags(f, 'mbus');
  const addresses = f.secondary ? [] : primaryList(f.addresses ?? '1-250');
  // A slave answers within 330 bit times + 50 ms (EN 13757-2 5.7): 200 ms is ample at 2400 bit/s.
  const timeoutMs = timeoutFlag(f.timeout, 300);
  const link = createFrameLink(target, { connectTimeoutMs: Math.max(timeoutMs, 2000), reconnectDelayMs: 0 });
  const where = describeLink(target);
  try {
    let found: Found[];
    if (f.secondary) {
      if (!f.json) console.error(t(`Searching secondary addresses on ${where} (wildcard selection, one digit more where answers collide)…`, `正在 ${where} 上搜索二次地址（通配选择，遇到冲突逐位细分）…`));
      found = await searchSecondary(link, { timeoutMs });
    } else {
      if (!f.json) console.error(t(`Sweeping ${addresses.length} primary address(es) on ${where}…`, `正在 ${where} 上扫描 ${addresses.length} 个一次地址…`));
      found = await scanPrimary(link, addresses, { timeoutMs });
    }
    const rows = found.map((x) => ({
      address: x.address, ...(x.secondary ? {
        secondary: x.secondary.id, manufacturer: x.secondary.manufacturer, version: x.secondary.version, medium: x.secondary.medium,
        model: guessMbusModel(x.secondary)?.name ?? null,
      } : {}), ...(x.error ? { error: x.error } : {}),
    }));
    if (f.json) {
      console.log(JSON.stringify({ target: where, protocol: 'mbus', mode: f.secondary ? 'secondary' : 'primary', meters: rows }));
    } else if (rows.length === 0) {
      console.log(t('No meter answered.', '没有仪表应答。'));
    } else {
      console.log(`${t('primary', '一次地址').padEnd(8)} ${t('secondary', '二次地址').padEnd(9)} ${t('maker', '厂商')} ${t('ver', '版本')} ${t('medium', '介质').padEnd(24)} ${t('model', '型号')}`);
      for (const r of rows) {
        if (r.error) { console.log(`${String(r.address).padEnd(8)} ${t('error', '错误')}: ${r.error}`); continue; }
        const primary = r.address === 0xfd ? '—' : String(r.address);
        console.log(`${primary.padEnd(8)} ${(r.secondary ?? '').padEnd(9)} ${(r.manufacturer ?? '').padEnd(4)} ${String(r.version ?? '').padEnd(3)} ${(r.medium === undefined ? '' : `${mediumName(r.medium)} (${hex2(r.medium)}H)`).padEnd(24)} ${r.model ?? t('(none)', '(无)')}`);
      }
    }
    return 0;
  } catch (err) {
    console.error(`${t('error', '错误')}: ${where}: ${describeFailure(err)}`);
    return 1;
  } finally {
    await link.close();
  }
}

export async function readMbus(argv: string[]): Promise<number> {
  const { values: f } = parseFlags(argv, {
    protocol: { type: 'string' }, model: { type: 'string' }, rtu: { type: 'string' }, baud: { type: 'string' }, parity: { type: 'string' },
    tcp: { type: 'string' }, 'rtu-over-tcp': { type: 'string' }, address: { type: 'string' }, secondary: { type: 'string' },
    meter: { type: 'string' }, timeout: { type: 'string' }, raw: { type: 'boolean' }, json: { type: 'boolean' },
  });
  if ((f.address === undefined) === (f.secondary === undefined)) {
    throw new UsageError(t('give --address N (primary 1–250) or --secondary ID (8 digits)', '请给出 --address N（一次地址 1–250）或 --secondary ID（8 位二次地址）之一'));
  }
  let mbusTarget: MbusTarget;
  if (f.secondary !== undefined) {
    if (!/^[0-9]{8}$/.test(f.secondary)) throw new UsageError(t(`--secondary: expected 8 digits, got "${f.secondary}"`, `--secondary：应为 8 位数字，收到 "${f.secondary}"`));
    mbusTarget = { secondary: f.secondary };
  } else {
    const a = Number(f.address);
    if (!/^\d{1,3}$/.test(f.address!) || a < 1 || a > 250) throw new UsageError(t(`--address: expected a primary address 1–250, got "${f.address}"`, `--address：应为一次地址 1–250，收到 "${f.address}"`));
    mbusTarget = { primary: a };
  }
  const named = f.model === undefined ? undefined : MBUS_MODELS.find((m) => m.name.toLowerCase() === f.model!.toLowerCase());
  if (f.model !== undefined && !named) {
    throw new UsageError(t(`--model: unknown M-Bus model "${f.model}" (${MBUS_MODELS.map((m) => m.name).join(', ')})`, `--model：未知的 M-Bus 型号 "${f.model}"（${MBUS_MODELS.map((m) => m.name).join('、')}）`));
  }
  const target = serialTargetFromFlags(f, 'mbus');
  // A 255-byte telegram takes 1.2 s at 2400 bit/s.
  const timeoutMs = timeoutFlag(f.timeout, 1500);
  const where = `${describeLink(target)} ${describeTarget(mbusTarget)}`;
  const exchanges: Exchange[] = [];
  const link = createFrameLink(target, { connectTimeoutMs: Math.max(timeoutMs, 2000), reconnectDelayMs: 0 });
  try {
    let r: Awaited<ReturnType<typeof readout>>;
    try {
      r = await readout(link, mbusTarget, { timeoutMs, onExchange: (e) => exchanges.push(e) });
    } catch (err) {
      console.error(`${t('error', '错误')}: ${where}: ${describeFailure(err)}`);
      return 1;
    }
    const ts = Date.now();
    const header = r.telegrams[0]!.header;
    const model = named ?? (header.secondary ? guessMbusModel(header.secondary) : undefined);
    const mapped = model ? mapRecords(r.records, model.items) : { values: {}, sources: {}, problems: [] };
    const meter = f.meter ?? `${(model?.name ?? 'mbus').toLowerCase()}-${'primary' in mbusTarget ? mbusTarget.primary : mbusTarget.secondary}`;
    if (!ID_PATTERN.test(meter)) throw new UsageError('--meter: expected an id (A–Z a–z 0–9 _ . -)');
    const reading = buildReading(meter, ts, mapped.values, { ct: 1, pt: 1 }, new Map());
    const alarms = statusAlarms(header.status);
    const raw = exchanges.map((e) => ({ what: e.what, request: e.request.toString('hex'), response: e.response.toString('hex') }));
    if (f.json) {
      const out = {
        meter: reading.meter, ts: reading.ts, values: reading.values, alarms, model: model?.name ?? null,
        secondary: header.secondary ?? null, telegrams: r.telegrams.length, ...(model ? { provenance: model.provenance } : {}),
      };
      console.log(JSON.stringify(f.raw ? { ...out, raw } : out));
      return 0;
    }
    const sec = header.secondary;
    console.log(`${meter}  ${model ? `${model.vendor} ${model.name}` : t('(no model for this medium)', '（该介质无对应型号）')}  ${where}  ${new Date(ts).toISOString()}`);
    if (sec) console.log(`  ${t('id', '识别号')} ${sec.id}  ${sec.manufacturer}  ${t('version', '版本')} ${sec.version}  ${mediumName(sec.medium)}  ${t('telegrams', '帧数')} ${r.telegrams.length}`);
    if (f.raw) {
      for (const e of exchanges) console.log(`  raw ${e.what}: tx=${hexOf(e.request)} rx=${hexOf(e.response)}`);
      for (const rec of r.records) {
        console.log(`  #${String(rec.index).padEnd(3)} ${rec.function.padEnd(13)} ${`${rec.storage}/${rec.tariff}/${rec.subunit}`.padEnd(7)} ${formatValue(rec).padEnd(24)} ${describeRecord(rec)}`);
      }
      console.log(t('  To contribute this capture: the rx bytes of each RSP_UD decode with `zonemeter gateway decode --protocol mbus --hex "…"`; see docs/meter-models.md.',
        '  贡献此报文：每个 RSP_UD 的 rx 字节可用 `zonemeter gateway decode --protocol mbus --hex "…"` 解码；见 docs/meter-models.md。'));
    }
    const shown = (v: number) => (f.raw ? String(v) : String(Number(v.toPrecision(10))));
    for (const k of Object.keys(reading.values) as MeasurementKey[]) {
      const def = MEASUREMENTS[k];
      console.log(`  ${k.padEnd(30)} ${shown(reading.values[k]!).padStart(14)} ${def.unit.padEnd(5)} ${t(def.en, def.zh)}${reading.quality?.[k] ? `  [${reading.quality[k]}]` : ''}`);
    }
    for (const p of mapped.problems) console.log(`  ${t('not taken', '未采用')}: ${p}`);
    if (alarms.length) console.log(`  ${t('alarms', '告警')}: ${alarms.join(', ')}`);
    return 0;
  } finally {
    await link.close();
  }
}
