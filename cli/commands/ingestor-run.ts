import { build } from '../../ingestor/app.ts';
import { loadIngestorConfig } from '../../ingestor/config.ts';
import { parseFlags, type Command } from '../command.ts';
import { prebuiltDashboard } from '../dashboard.ts';
import { onShutdown, rootLogger } from '../log.ts';

const command: Command = {
  summary: ['Run the ingestor: MQTT broker, validation, InfluxDB storage, API and dashboard', '运行接收服务：MQTT 代理、校验、InfluxDB 存储、接口与看板'],
  usage: '[-c FILE]   (env: ZM_HTTP_PORT, ZM_MQTT_PORT, INFLUX_URL, INFLUX_DB, INFLUX_TOKEN, ZM_API_TOKEN, ZM_DATA_DIR)',
  async run(argv) {
    const { values } = parseFlags(argv, { config: { type: 'string', short: 'c' } });
    const config = loadIngestorConfig(values.config);
    const log = rootLogger('ingestor');
    const dashboard = prebuiltDashboard(log);
    const ingestor = await build(config, { log, dashboardDir: dashboard.dashboardDir });
    dashboard.mount(ingestor.http);
    let url: string;
    try {
      url = await ingestor.listen();
    } catch (err) {
      // The broker and timers already run: close them so the error (naming its field) ends the process.
      await ingestor.close().catch(() => undefined);
      throw err;
    }
    log.info({ url, mqtt: ingestor.broker?.port ?? config.mqtt.external?.url }, 'ingestor running');
    await onShutdown(log, () => ingestor.close());
    return 0;
  },
};
export default command;
