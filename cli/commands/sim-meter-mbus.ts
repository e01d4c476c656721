import { UsageError, parseFlags } from '../command.ts';
import { t } from '../i18n.ts';
import { isMeasurementKey, MEASUREMENTS, type MeasurementKey } from '../../core/index.ts';
import { MBUS_MODELS } from '../../gateway/models/mbus.ts';
import { INPUT_KEYS, type InputKey, type Inputs } from '../../simulators/meter/physics.ts';
import { defaultInputs } from '../../simulators/meter/profiles.ts';
import { startMbusSimulator } from '../../simulators/meter/mbus/index.ts';

/**
 * `zonemeter sim meter --protocol mbus`: M-Bus slaves of one model on a serial device (2400 8E1 by
 * default, as EN 13757-2 has it) or behind a transparent TCP serial server.
 */
export const MBUS_USAGE = '--protocol mbus --model NAME (--rtu PATH [--baud N] [--parity even|none|odd] | --rtu-over-tcp HOST:PORT) '
  + '--address N[,N…] [--secondary ID[,ID…]] [--seed N] [--speed X] [--start ISO|MS] [--flow M3H] [--set NAME=VALUE ...]';

function usage(en: string, zh: string): UsageError {
  return new UsageError(`${t(en, zh)}\n  zonemeter sim meter ${MBUS_USAGE}`);
}

export async function runMbusSim(argv: string[]): Promise<number> {
  const { values: f } = parseFlags(argv, {
    protocol: { type: 'string' }, model: { type: 'string' }, rtu: { type: 'string' }, baud: { type: 'string' }, parity: { type: 'string' },
    'rtu-over-tcp': { type: 'string' }, address: { type: 'string' }, secondary: { type: 'string' }, seed: { type: 'string' },
    speed: { type: 'string' }, start: { type: 'string' }, flow: { type: 'string' }, set: { type: 'string', multiple: true },
  });
  if (!f.model) throw usage('--model is required', '必须给出 --model');
  const model = MBUS_MODELS.find((m) => m.name.toLowerCase() === f.model!.toLowerCase());
  if (!model) throw usage(`--model: unknown M-Bus model "${f.model}" (${MBUS_MODELS.map((m) => m.name).join(', ')})`, `--model：未知的 M-Bus 型号 "${f.model}"（${MBUS_MODELS.map((m) => m.name).join('、')}）`);
  if (f.address === undefined) throw usage('--address is required (primary address 1–250; 0 for a meter reachable by secondary address only)', '必须给出 --address（一次地址 1–250；0 表示只能用二次地址访问）');
  const addresses = f.address.split(',').map((s) => Number(s.trim()));
  if (addresses.some((a) => !Number.isInteger(a) || a < 0 || a > 250)) throw usage(`--address: expected integers 0–250, got "${f.address}"`, `--address：应为 0–250 的整数，收到 "${f.address}"`);
  const secondaries = f.secondary === undefined ? [] : f.secondary.split(',').map((s) => s.trim());
  if (secondaries.some((s) => !/^[0-9]{8}$/.test(s))) throw usage(`--secondary: expected 8 digits, got "${f.secondary}"`, `--secondary：应为 8 位数字，收到 "${f.secondary}"`);
  if (secondaries.length > addresses.length) throw usage('--secondary: more numbers than --address entries', '--secondary 的个数多于 --address');
  if (f.rtu === undefined && f['rtu-over-tcp'] === undefined) throw usage('give --rtu PATH or --rtu-over-tcp HOST:PORT', '请给出 --rtu PATH 或 --rtu-over-tcp HOST:PORT');
  let tcp: { host: string; port: number } | undefined;
  if (f['rtu-over-tcp'] !== undefined) {
    const m = /^([^\s:]+):(\d{1,5})$/.exec(f['rtu-over-tcp']);
    if (!m || Number(m[2]) > 65535) throw usage(`--rtu-over-tcp: expected HOST:PORT (port 0 takes a free one), got "${f['rtu-over-tcp']}"`, `--rtu-over-tcp：应为 HOST:PORT（端口 0 表示任选空闲端口），收到 "${f['rtu-over-tcp']}"`);
    tcp = { host: m[1]!, port: Number(m[2]) };
  }
  const num = (v: string | undefined, flag: string, ok: (n: number) => boolean) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || !ok(n)) throw usage(`--${flag}: unexpected value "${v}"`, `--${flag}：无效的值 "${v}"`);
    return n;
  };
  const baud = num(f.baud, 'baud', (n) => Number.isInteger(n) && n > 0) ?? 2400;
  const parity = f.parity ?? 'even';
  if (parity !== 'even' && parity !== 'none' && parity !== 'odd') throw usage(`--parity: expected even, none or odd, got "${parity}"`, `--parity：应为 even、none 或 odd，收到 "${parity}"`);
  const speed = num(f.speed, 'speed', (n) => n >= 0) ?? 1;
  const startMs = f.start === undefined ? undefined : /^\d+$/.test(f.start) ? Number(f.start) : Date.parse(f.start);
  if (startMs !== undefined && !Number.isFinite(startMs)) throw usage(`--start: expected an ISO date or ms, got "${f.start}"`, `--start：应为 ISO 日期或毫秒数，收到 "${f.start}"`);
  const flow = num(f.flow, 'flow', Number.isFinite);
  const inputs: Partial<Record<InputKey, number>> = {};
  const counters: Partial<Record<MeasurementKey, number>> = {};
  for (const item of f.set ?? []) {
    const m = /^([a-z0-9_]+)=(.+)$/.exec(item);
    const value = m ? Number(m[2]) : NaN;
    if (!m || !Number.isFinite(value)) throw usage(`--set: expected NAME=NUMBER, got "${item}"`, `--set：应为 名称=数值，收到 "${item}"`);
    const key = m[1]!;
    if ((INPUT_KEYS as readonly string[]).includes(key)) inputs[key as InputKey] = value;
    else if (isMeasurementKey(key) && MEASUREMENTS[key].type === 'counter') counters[key] = value;
    else throw usage(`--set: "${key}" is neither a counter nor one of ${INPUT_KEYS.join(', ')}`, `--set："${key}" 既不是累计量，也不是 ${INPUT_KEYS.join('、')} 之一`);
  }
  const fixed: Partial<Inputs> = flow === undefined ? {} : { flow_m3h: flow };
  const sim = await startMbusSimulator({
    meters: addresses.map((address, i) => ({
      model, address, counters,
      ...(secondaries[i] ? { secondary: secondaries[i] } : {}),
      inputs: { ...defaultInputs(model.kind), ...fixed, ...inputs },
    })),
    seed: num(f.seed, 'seed', Number.isInteger) ?? 1,
    clock: { ...(startMs === undefined ? {} : { start: startMs }), ...(speed === 0 ? { frozen: true } : { speed }) },
    ...(f.rtu === undefined ? {} : { rtu: { path: f.rtu, baudRate: baud, parity } }),
    ...(tcp ? { rtuOverTcp: tcp } : {}),
  });
  const where = [
    sim.rtu && `rtu ${sim.rtu.path} (${baud} 8${parity[0]!.toUpperCase()}1)`,
    sim.rtuOverTcp && `rtu-over-tcp ${sim.rtuOverTcp.host}:${sim.rtuOverTcp.port}`,
  ].filter(Boolean).join(', ');
  const who = sim.slaves.map((s) => `${s.address ? `address ${s.address}` : 'no primary address'} / secondary ${s.secondary}`).join('; ');
  console.log(`serving M-Bus ${model.name} ${who} on ${where}`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await sim.close();
  return 0;
}
