import { build, type Gateway } from '../../gateway/app.ts';
import { loadGatewayConfigApart } from '../../gateway/config-worker.ts';
import { startWatchdog } from '../../gateway/health/watchdog.ts';
import { UsageError, parseFlags, type Command } from '../command.ts';
import { gatewayConsoleDir } from '../assets.ts';
import { onShutdown, rootLogger } from '../log.ts';
import { printFindings, printRefused } from './gateway-findings.ts';

const command: Command = {
  summary: ['Run a gateway: poll meters, journal readings, stream them to the ingestor', '运行网关：采集仪表、写入日志、上传至接收服务'],
  usage: '-c FILE',
  async run(argv) {
    const { values } = parseFlags(argv, { config: { type: 'string', short: 'c' } });
    if (!values.config) throw new UsageError('gateway run needs -c FILE');
    // With the checks `gateway check` makes beyond the schema: a register table that would read
    // wrong data (overlapping registers, a measurement of another kind) must not start polling.
    // Warnings are printed and the gateway starts.
    const { config, findings } = await loadGatewayConfigApart(values.config);
    const errors = printFindings(findings);
    if (errors > 0) {
      printRefused(values.config, errors);
      return 1;
    }
    const log = rootLogger('gateway').child({ site: config.site, gateway: config.gateway });
    let gw: Gateway | undefined;
    try {
      const consoleDir = gatewayConsoleDir();
      gw = await build(config, { log, configFile: values.config, ...(consoleDir ? { consoleDir } : {}) });
      const health = await gw.start();
      // Node version and CPU in the first line an installer reads: boards run Debian's own node.
      log.info({ health, console: consoleDir ? `${health}/` : 'not built', meters: config.meters.length, node: process.version, arch: process.arch }, 'gateway running');
    } catch (err) {
      // Whatever started before the failure (journal timers, sockets) must not keep the process
      // alive: close it, then let the error (naming its config field) end the run with exit 1.
      await gw?.close().catch(() => undefined);
      throw err;
    }
    // Under systemd (gateway install-service) the watchdog restarts a gateway whose poll loop
    // stopped turning. Pushed (MQTT) meters prove nothing about the loop, so only polled ones count.
    const mqttBuses = new Set(config.buses.filter((b) => b.type === 'mqtt').map((b) => b.id));
    const polled = config.meters.filter((m) => !mqttBuses.has(m.bus));
    const running = gw;
    const watchdog = startWatchdog({
      log: log.child({ module: 'watchdog' }),
      progress: () => running.poller.meters().reduce((n, m) => (mqttBuses.has(m.bus) ? n : n + m.reads + m.errors), 0),
      stallMs: polled.length ? 2 * Math.max(...polled.map((m) => m.intervalMs)) + 60_000 : Number.POSITIVE_INFINITY,
    });
    await onShutdown(log, async () => {
      watchdog.stop();
      await running.close();
    });
    return 0;
  },
};
export default command;
