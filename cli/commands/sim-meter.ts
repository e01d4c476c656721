import type { Command } from '../command.ts';
import { parseFlags, UsageError } from '../command.ts';
import { isMeasurementKey, MEASUREMENTS, type MeasurementKey } from '../../core/index.ts';
import { parseUnitIds } from '../../gateway/drivers/target-spec.ts';
import { findModel, MODELS } from '../../gateway/models/index.ts';
import { INPUT_KEYS, type InputKey, type Inputs } from '../../simulators/meter/physics.ts';
import { defaultInputs } from '../../simulators/meter/profiles.ts';
import { startMeterSimulator, type MeterSimulatorOptions } from '../../simulators/meter/index.ts';
import { startSerialSimulator } from '../../simulators/meter/serial-line.ts';
import { SERIAL_PROTOCOLS, findProtocolModel, isSerialProtocol } from '../../gateway/protocols/registry.ts';

function hostPort(v: string, flag: string): { host: string; port: number } {
  const m = /^([^\s:]+):(\d{1,5})$/.exec(v);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw new UsageError(`--${flag}: expected HOST:PORT (port 0 takes a free one), got "${v}"`);
  return { host: m[1]!, port };
}

function number(v: string | undefined, flag: string, check: (n: number) => boolean = Number.isFinite): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || !check(n)) throw new UsageError(`--${flag}: unexpected value "${v}"`);
  return n;
}

/** `--set energy_import_kwh=1000 --set power_factor=0.9`: counters and inputs alike. */
function settings(list: string[] | undefined): { inputs: Partial<Inputs>; counters: Partial<Record<MeasurementKey, number>> } {
  const inputs: Partial<Record<InputKey, number>> = {};
  const counters: Partial<Record<MeasurementKey, number>> = {};
  for (const item of list ?? []) {
    const m = /^([a-z0-9_]+)=(.+)$/.exec(item);
    const value = m ? Number(m[2]) : NaN;
    if (!m || !Number.isFinite(value)) throw new UsageError(`--set: expected NAME=NUMBER, got "${item}"`);
    const key = m[1]!;
    if ((INPUT_KEYS as readonly string[]).includes(key)) inputs[key as InputKey] = value;
    else if (isMeasurementKey(key) && MEASUREMENTS[key].type === 'counter') counters[key] = value;
    else throw new UsageError(`--set: "${key}" is neither a counter nor one of ${INPUT_KEYS.join(', ')}`);
  }
  return { inputs, counters };
}

const command: Command = {
  summary: ['Simulate meters of a model (Modbus TCP, RTU, RTU over TCP; DL/T 645, CJ/T 188)', '模拟指定型号的仪表（Modbus TCP、RTU、RTU over TCP；DL/T 645、CJ/T 188）'],
  usage: '--model NAME (--tcp HOST:PORT | --rtu PATH [--baud N] | --rtu-over-tcp HOST:PORT) (--id N | --ids 1-5) ' +
    '[--seed N] [--speed X (0 freezes the clock)] [--start ISO|MS] [--power KW | --flow M3H] [--set NAME=VALUE ...]\n' +
    '       --protocol dlt645|cjt188 --model NAME (--rtu PATH [--baud N] [--parity even|none|odd] | --rtu-over-tcp HOST:PORT) ' +
    '--address N[,N…] [--meter-type 0x10] [same options as above]',
  async run(argv) {
    // M-Bus slaves have their own simulator and flags (sim-meter-mbus.ts).
    if (argv.includes('--protocol=mbus') || argv.some((a, i) => a === '--protocol' && argv[i + 1] === 'mbus')) {
      return (await import('./sim-meter-mbus.ts')).runMbusSim(argv);
    }
    const { values: f } = parseFlags(argv, {
      model: { type: 'string' }, tcp: { type: 'string' }, rtu: { type: 'string' }, baud: { type: 'string' },
      'rtu-over-tcp': { type: 'string' }, id: { type: 'string' }, ids: { type: 'string' }, seed: { type: 'string' },
      speed: { type: 'string' }, start: { type: 'string' }, power: { type: 'string' }, flow: { type: 'string' },
      set: { type: 'string', multiple: true }, protocol: { type: 'string' }, address: { type: 'string' }, parity: { type: 'string' },
      'meter-type': { type: 'string' },
    });
    if (f.protocol !== undefined && f.protocol !== 'modbus') return serveSerialProtocol(f);
    if (!f.model) throw new UsageError('--model is required');
    const model = findModel(f.model);
    if (!model) throw new UsageError(`--model: unknown model "${f.model}" (${MODELS.map((m) => m.name).join(', ')})`);
    if (f.id === undefined && f.ids === undefined) throw new UsageError('give --id N or --ids LIST');
    let unitIds: number[];
    try {
      unitIds = parseUnitIds([f.id, f.ids].filter((v) => v !== undefined).join(','));
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    if (f.tcp === undefined && f.rtu === undefined && f['rtu-over-tcp'] === undefined) {
      throw new UsageError('give at least one of --tcp HOST:PORT, --rtu PATH, --rtu-over-tcp HOST:PORT');
    }
    const speed = number(f.speed, 'speed', (n) => n >= 0) ?? 1;
    const startMs = f.start === undefined ? undefined : /^\d+$/.test(f.start) ? Number(f.start) : Date.parse(f.start);
    if (startMs !== undefined && !Number.isFinite(startMs)) throw new UsageError(`--start: expected an ISO date or ms, got "${f.start}"`);
    const power = number(f.power, 'power');
    const flow = number(f.flow, 'flow');
    const fixed: Partial<Inputs> = {};
    if (power !== undefined) fixed.power_kw = power;
    if (flow !== undefined) fixed.flow_m3h = flow;
    const { inputs, counters } = settings(f.set);
    const baudRate = number(f.baud, 'baud', (n) => Number.isInteger(n) && n > 0) ?? 9600;

    const opts: MeterSimulatorOptions = {
      meters: unitIds.map((unitId) => ({
        unitId, model, counters,
        inputs: { ...defaultInputs(model.kind), ...fixed, ...inputs },
      })),
      seed: number(f.seed, 'seed', Number.isInteger) ?? 1,
      clock: { ...(startMs === undefined ? {} : { start: startMs }), ...(speed === 0 ? { frozen: true } : { speed }) },
      ...(f.tcp === undefined ? {} : { tcp: hostPort(f.tcp, 'tcp') }),
      ...(f.rtu === undefined ? {} : { rtu: { path: f.rtu, baudRate } }),
      ...(f['rtu-over-tcp'] === undefined ? {} : { rtuOverTcp: hostPort(f['rtu-over-tcp'], 'rtu-over-tcp') }),
    };
    const sim = await startMeterSimulator(opts);
    const where = [
      sim.tcp && `tcp ${sim.tcp.host}:${sim.tcp.port}`,
      sim.rtu && `rtu ${sim.rtu.path} (${baudRate} 8N1)`,
      sim.rtuOverTcp && `rtu-over-tcp ${sim.rtuOverTcp.host}:${sim.rtuOverTcp.port}`,
    ].filter(Boolean).join(', ');
    const ids = unitIds.length === 1 ? `id ${unitIds[0]}` : `ids ${f.ids ?? unitIds.join(',')}`;
    console.log(`serving ${model.name} ${ids} on ${where}`);

    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    await sim.close();
    return 0;
  },
};
type Flags = Record<string, string | boolean | string[] | undefined>;

/** `sim meter --protocol dlt645|cjt188`: meters that answer like the real ones on a line or a serial server. */
async function serveSerialProtocol(f: Flags): Promise<number> {
  const str = (k: string) => (typeof f[k] === 'string' ? f[k] as string : undefined);
  const protocol = str('protocol')!;
  // M-Bus is served by sim-meter-mbus.ts (see run()).
  if (!isSerialProtocol(protocol) || protocol === 'mbus') throw new UsageError(`--protocol: expected modbus, ${Object.keys(SERIAL_PROTOCOLS).join(' or ')}`);
  // The serial simulator speaks DL/T 645 and CJ/T 188; another protocol brings its own.
  if (protocol !== 'dlt645' && protocol !== 'cjt188') throw new UsageError(`--protocol ${protocol}: sim meter serves modbus, dlt645 and cjt188`);
  const proto = SERIAL_PROTOCOLS[protocol];
  const name = str('model');
  if (!name) throw new UsageError('--model is required');
  const model = findProtocolModel(protocol, name);
  if (!model) throw new UsageError(`--model: unknown ${proto.label} model "${name}" (${proto.models.map((m) => m.name).join(', ')})`);
  if (f.tcp !== undefined) throw new UsageError(`--tcp is Modbus TCP; a ${proto.label} meter is served on --rtu PATH or --rtu-over-tcp HOST:PORT`);
  if (f.rtu === undefined && f['rtu-over-tcp'] === undefined) throw new UsageError('give --rtu PATH or --rtu-over-tcp HOST:PORT');
  const addresses = (str('address') ?? '').split(',').map((a) => a.trim()).filter(Boolean);
  if (addresses.length === 0) throw new UsageError('--address is required (12 digits for DL/T 645, 14 for CJ/T 188; a comma list for several meters)');
  for (const a of addresses) {
    const problems = proto.checkMeter({ address: a });
    if (problems.length) throw new UsageError(`--address: ${problems[0]![1]}`);
  }
  const meterType = number(str('meter-type'), 'meter-type', (n) => Number.isInteger(n) && n >= 0x10 && n <= 0x49);
  if (meterType !== undefined && protocol !== 'cjt188') throw new UsageError('--meter-type is a CJ/T 188 setting');
  const parity = str('parity') ?? proto.line.parity;
  if (parity !== 'none' && parity !== 'even' && parity !== 'odd') throw new UsageError(`--parity: expected none, even or odd, got "${parity}"`);
  const baudRate = number(str('baud'), 'baud', (n) => Number.isInteger(n) && n > 0) ?? proto.line.baud;
  const speed = number(str('speed'), 'speed', (n) => n >= 0) ?? 1;
  const start = str('start');
  const startMs = start === undefined ? undefined : /^\d+$/.test(start) ? Number(start) : Date.parse(start);
  if (startMs !== undefined && !Number.isFinite(startMs)) throw new UsageError(`--start: expected an ISO date or ms, got "${start}"`);
  const fixed: Partial<Inputs> = {};
  const power = number(str('power'), 'power');
  const flow = number(str('flow'), 'flow');
  if (power !== undefined) fixed.power_kw = power;
  if (flow !== undefined) fixed.flow_m3h = flow;
  const { inputs, counters } = settings(f.set as string[] | undefined);
  const rtu = str('rtu');
  const bridge = str('rtu-over-tcp');
  const sim = await startSerialSimulator({
    protocol,
    meters: addresses.map((address) => ({
      model, address, counters, inputs: { ...defaultInputs(model.kind), ...fixed, ...inputs }, ...(meterType === undefined ? {} : { meterType }),
    })),
    seed: number(str('seed'), 'seed', Number.isInteger) ?? 1,
    clock: { ...(startMs === undefined ? {} : { start: startMs }), ...(speed === 0 ? { frozen: true } : { speed }) },
    ...(rtu === undefined ? {} : { rtu: { path: rtu, baudRate, parity } }),
    ...(bridge === undefined ? {} : { rtuOverTcp: hostPort(bridge, 'rtu-over-tcp') }),
  });
  const where = [
    sim.rtu && `rtu ${sim.rtu.path} (${baudRate} 8${parity[0]!.toUpperCase()}1)`,
    sim.rtuOverTcp && `rtu-over-tcp ${sim.rtuOverTcp.host}:${sim.rtuOverTcp.port}`,
  ].filter(Boolean).join(', ');
  console.log(`serving ${proto.label} ${model.name} address ${addresses.join(',')} on ${where}`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await sim.close();
  return 0;
}

export default command;
