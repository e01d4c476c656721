import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build as buildGateway } from '../../gateway/app.ts';
import { build as buildIngestor } from '../../ingestor/app.ts';
import { startInfluxd, type ManagedInfluxd } from '../influxd.ts';
import { parseFlags, type Command } from '../command.ts';
import { prebuiltDashboard } from '../dashboard.ts';
import { onShutdown, rootLogger } from '../log.ts';
import { spineSetup } from '../demo/spine.ts';
import { startDemoBackfill } from '../demo/backfill.ts';
import { t } from '../i18n.ts';

const command: Command = {
  summary: ['Run everything on this machine: InfluxDB, ingestor, simulated building, gateway, dashboard', '在本机运行全部：InfluxDB、接收服务、模拟建筑、网关、看板'],
  usage: '[--var DIR] [--backfill-from DATE|none] [--truth FILE] [--dashboard DIR]   (env: ZM_DEMO_BACKFILL_FROM, ZM_HTTP_PORT=8080, ZM_MQTT_PORT=1883, ZM_GATEWAY_HTTP=127.0.0.1:8081, INFLUX_URL, ZM_ALERT_WEBHOOK_URL)',
  async run(argv) {
    const { values } = parseFlags(argv, { var: { type: 'string' }, 'backfill-from': { type: 'string' }, truth: { type: 'string' }, dashboard: { type: 'string' } });
    const varDir = path.resolve(values.var ?? 'var');
    const log = rootLogger('demo', process.env.ZM_LOG_LEVEL ?? 'warn');
    let influxd: ManagedInfluxd | undefined;
    const stops: Array<() => Promise<void>> = [];
    const stopAll = async () => {
      for (const stop of stops.reverse()) await stop().catch((err: Error) => log.error({ err }, 'stop failed'));
      await influxd?.stop();
    };
    try {
      let influxUrl = process.env.INFLUX_URL;
      if (!influxUrl) {
        influxd = await startInfluxd({ dir: path.join(varDir, 'influxdb') });
        influxUrl = influxd.url;
        console.log(`InfluxDB: ${influxUrl} (${t('data in', '数据目录')} ${influxd.dir})`);
      }
      const setup = await spineSetup({ varDir, influxUrl, env: process.env, log });
      stops.push(() => setup.sim.close());
      // --dashboard: a dashboard built elsewhere (a test's build of the current sources) instead of the bundled one.
      const dashboard = values.dashboard ? prebuiltDashboard(log, path.resolve(values.dashboard)) : prebuiltDashboard(log);
      const ingestor = await buildIngestor(setup.ingestor, { log: log.child({ part: 'ingestor' }), dashboardDir: dashboard.dashboardDir });
      dashboard.mount(ingestor.http);
      stops.push(() => ingestor.close());
      const url = await ingestor.listen();
      const gateway = await buildGateway(setup.gateway, { log: log.child({ part: 'gateway' }) });
      stops.push(() => gateway.close());
      const health = await gateway.start();
      console.log(`MQTT: mqtt://127.0.0.1:${ingestor.broker?.port}`);
      console.log(`${t('Gateway status', '网关状态')}: ${health}/api/v1/status`);
      for (const ep of setup.sim.endpoints.values()) {
        const where = ep.type === 'rtu' ? ep.path : ep.type === 'mqtt' ? ep.url : `${ep.host}:${ep.port}`;
        const n = setup.site.buildings.flatMap((b) => b.meters).filter((m) => m.endpoint === ep.id).length;
        console.log(`${t('Simulated meters', '模拟仪表')}: ${ep.type} ${where} (${n})`);
      }
      const from = values['backfill-from'] ?? process.env.ZM_DEMO_BACKFILL_FROM ?? '2020-01-01';
      const marker = path.join(varDir, 'backfill-done');
      if (from !== 'none' && !existsSync(marker)) {
        // --truth: what the simulator produced, per meter and month, to reconcile the indicators with.
        const bf = startDemoBackfill({ site: setup.site, from, mqttUrl: `mqtt://127.0.0.1:${ingestor.broker?.port}`, password: setup.password, log,
          truthTotalsFile: values.truth ? path.resolve(values.truth) : undefined,
          onDone: (readings) => writeFileSync(marker, `${new Date().toISOString()} ${readings} readings from ${from}\n`) });
        stops.push(() => bf.stop());
      }
      console.log(`Dashboard: ${url.replace('localhost', '127.0.0.1')}/`);
      console.log(t('Press Ctrl-C to stop.', '按 Ctrl-C 停止。'));
    } catch (err) {
      await stopAll();
      throw err;
    }
    await onShutdown(log, stopAll);
    console.log(t('Stopped.', '已停止。'));
    return 0;
  },
};
export default command;
