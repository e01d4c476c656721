import { stringify as toYaml } from 'yaml';
import type { Command } from '../command.ts';
import { parseFlags, UsageError } from '../command.ts';
import { t } from '../i18n.ts';
import { serveControl, type ControlServer } from '../../simulators/building/control.ts';
import { gatewayConfigFor } from '../../simulators/building/gateway-config.ts';
import { startBuilding } from '../../simulators/building/index.ts';
import { loadSite, type Endpoint } from '../../simulators/building/schema.ts';

function hostPort(v: string, flag: string): { host: string; port: number } {
  const m = /^([^\s:]+):(\d{1,5})$/.exec(v);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw new UsageError(`--${flag}: expected HOST:PORT (port 0 takes a free one), got "${v}"`);
  return { host: m[1]!, port };
}

function number(v: string | undefined, flag: string, check: (n: number) => boolean): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || !check(n)) throw new UsageError(`--${flag}: unexpected value "${v}"`);
  return n;
}

function where(ep: Endpoint): string {
  return ep.type === 'rtu' ? `${ep.path} (${ep.baud} 8N1)` : ep.type === 'mqtt' ? ep.url : `${ep.host}:${ep.port}`;
}

const command: Command = {
  summary: ['Simulate every meter of a site (Modbus and MQTT), with faults on demand or on schedule', '模拟站点的全部仪表（Modbus 与 MQTT），可按需或按计划注入故障'],
  usage: '-c SITE.yaml [--seed N] [--speed X (0 freezes the clock)] [--start ISO|MS] [--host ADDR] [--mqtt URL] [--print-gateway-config] [--control HOST:PORT]\n\n' +
    t('--print-gateway-config writes a gateway YAML for the endpoints as bound to stdout and keeps serving; ' +
      'the endpoint lines then go to stderr. --control serves GET /meters, POST /faults, POST /replace (docs/simulators.md).',
    '--print-gateway-config 将指向实际端口的网关 YAML 输出到标准输出并继续服务，端点信息改写到标准错误。' +
      '--control 提供 GET /meters、POST /faults、POST /replace（见 docs/simulators.md）。'),
  async run(argv) {
    const { values: f } = parseFlags(argv, {
      config: { type: 'string', short: 'c' }, seed: { type: 'string' }, speed: { type: 'string' }, start: { type: 'string' }, host: { type: 'string' },
      mqtt: { type: 'string' }, 'print-gateway-config': { type: 'boolean' }, control: { type: 'string' },
    });
    if (!f.config) throw new UsageError('-c SITE.yaml is required');
    const seed = number(f.seed, 'seed', Number.isInteger);
    const speed = number(f.speed, 'speed', (n) => n >= 0) ?? 1;
    const start = f.start === undefined ? undefined : /^\d+$/.test(f.start) ? Number(f.start) : Date.parse(f.start);
    if (start !== undefined && !Number.isFinite(start)) throw new UsageError(`--start: expected an ISO date or ms, got "${f.start}"`);
    const control = f.control === undefined ? undefined : hostPort(f.control, 'control');
    if (f.mqtt !== undefined && !/^mqtts?:\/\//.test(f.mqtt)) throw new UsageError(`--mqtt: expected mqtt:// or mqtts:// URL, got "${f.mqtt}"`);
    const loaded = loadSite(f.config);
    const site = {
      ...loaded,
      ...(seed === undefined ? {} : { seed }),
      endpoints: loaded.endpoints.map((ep): Endpoint => {
        if ((ep.type === 'tcp' || ep.type === 'rtu-over-tcp') && f.host) return { ...ep, host: f.host };
        if (ep.type === 'mqtt' && f.mqtt) return { ...ep, url: f.mqtt };
        return ep;
      }),
    };
    const printConfig = f['print-gateway-config'] === true;
    // With the gateway YAML on stdout, everything else goes to stderr so stdout stays a clean file.
    const say = printConfig ? (s: string) => console.error(s) : (s: string) => console.log(s);
    const building = await startBuilding(site, {
      clock: { ...(start === undefined ? {} : { start }), ...(speed === 0 ? { frozen: true } : { speed }) },
      onFault: ({ meter, fault, scheduled }) => say(`${t('fault', '故障')} ${meter}: ${fault ? JSON.stringify(fault) : t('cleared', '已清除')}${scheduled ? ` (${t('scheduled', '计划')})` : ''}`),
    });
    let ctl: ControlServer | undefined;
    try {
      if (control) ctl = await serveControl(building, control.host, control.port);
    } catch (err) {
      await building.close();
      throw err;
    }
    if (printConfig) process.stdout.write(toYaml(gatewayConfigFor(site, { endpoints: building.endpoints })));
    const meters = site.buildings.flatMap((b) => b.meters);
    for (const ep of building.endpoints.values()) {
      const n = meters.filter((m) => m.endpoint === ep.id).length;
      say(`${t('serving', '服务')} ${ep.id} ${ep.type} ${where(ep)} (${n} ${t('meters', '台仪表')})`);
    }
    if (ctl) say(`${t('control', '控制接口')} ${ctl.url}`);
    say(`${t('site', '站点')} ${site.site}: ${meters.length} ${t('meters', '台仪表')}, seed ${site.seed}, ${speed === 0 ? t('clock frozen', '时钟冻结') : `${t('speed', '速度')} ×${speed}`}, ${site.faults.length} ${t('scheduled faults', '个计划故障')}`);

    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    await ctl?.close();
    await building.close();
    say(t('stopped', '已停止'));
    return 0;
  },
};
export default command;
