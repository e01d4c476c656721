import { existsSync, realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadGatewayConfig } from '../../gateway/config.ts';
import { UsageError, parseFlags, type Command } from '../command.ts';
import { t } from '../i18n.ts';
import { CONFIG_DIR, LITE_MODE_MAX_METERS, STATE_DIR, gatewayEnvironment, gatewayNodeFlags, gatewayUnit, isLargeSite, serviceJournalDir } from '../service-unit.ts';

const DEFAULT_UNIT = '/etc/systemd/system/zonemeter-gateway.service';

const command: Command = {
  summary: ['Write a systemd unit that runs the gateway as a service (restart, watchdog, journald)', '写入以系统服务运行网关的 systemd 单元（自动重启、看门狗、journald 日志）'],
  usage: `[--user U (zonemeter)] [--config PATH (${CONFIG_DIR}/gateway.yaml)] [--output FILE|- (${DEFAULT_UNIT})] [--node PATH] [--program PATH] [--watchdog SECONDS (60)] [--node-flag FLAG]…`,
  async run(argv) {
    const { values } = parseFlags(argv, {
      user: { type: 'string', default: 'zonemeter' },
      config: { type: 'string', default: `${CONFIG_DIR}/gateway.yaml` },
      output: { type: 'string', short: 'o', default: DEFAULT_UNIT },
      node: { type: 'string' },
      program: { type: 'string' },
      watchdog: { type: 'string', default: '60' },
      'node-flag': { type: 'string', multiple: true },
    });
    if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(values.user)) throw new UsageError(`--user: "${values.user}" is not a valid user name`);
    const watchdogSec = Number(values.watchdog);
    if (!Number.isInteger(watchdogSec) || watchdogSec < 10 || watchdogSec > 3600) throw new UsageError('--watchdog: whole seconds from 10 to 3600');
    const config = path.resolve(values.config);
    const node = path.resolve(values.node ?? process.execPath);
    // The program this very process runs: the bundle on a board, bin/zonemeter.js in a clone.
    const program = path.resolve(values.program ?? realpathSync(process.argv[1] ?? ''));
    if (!existsSync(program)) throw new UsageError(`--program: ${program} does not exist`);

    // A journal outside /var/lib/zonemeter must be made writable under ProtectSystem=strict; read it
    // from the config when the config is already in place.
    const writable: string[] = [];
    let meters: number | undefined;
    const notes: string[] = [];
    if (existsSync(config)) {
      const loaded = loadGatewayConfig(config, {});
      meters = loaded.meters.length;
      const dir = serviceJournalDir(loaded.journal.dir);
      writable.push(dir);
      if (!dir.startsWith(STATE_DIR + '/')) notes.push(t(`journal.dir ${dir} is outside ${STATE_DIR}; the unit makes it writable (ReadWritePaths)`, `journal.dir ${dir} 不在 ${STATE_DIR} 下；单元已将其设为可写 (ReadWritePaths)`));
    } else {
      notes.push(t(`${config} does not exist yet: put the gateway config there (journal.dir under ${STATE_DIR}, e.g. ${STATE_DIR}/journal)`, `${config} 尚不存在：请将网关配置放在此处（journal.dir 位于 ${STATE_DIR} 下，如 ${STATE_DIR}/journal）`));
    }
    const unit = gatewayUnit({ node, program, config, user: values.user, writable, watchdogSec, nodeFlags: [...gatewayNodeFlags(meters), ...(values['node-flag'] ?? [])], environment: gatewayEnvironment(meters) });
    if (isLargeSite(meters)) {
      notes.push(t(`${meters} meters: node runs with --no-opt instead of --lite-mode (which costs too much CPU above ${LITE_MODE_MAX_METERS} meters), a 1 MB young generation and one malloc arena`, `${meters} 个仪表：node 以 --no-opt 代替 --lite-mode 运行（超过 ${LITE_MODE_MAX_METERS} 个仪表时 --lite-mode 的 CPU 开销过大），并使用 1 MB 新生代和单个 malloc 内存池`));
    }
    if (values.output === '-') {
      process.stdout.write(unit);
      for (const n of notes) console.error(n);
      return 0;
    }
    writeFileSync(values.output, unit);
    const name = path.basename(values.output);
    console.log(t(`wrote ${values.output}`, `已写入 ${values.output}`));
    for (const n of notes) console.log(`  ${n}`);
    console.log(t('Next, as root:', '接下来以 root 身份执行：'));
    console.log(`  id ${values.user} >/dev/null 2>&1 || useradd --system --home-dir ${STATE_DIR} --shell /usr/sbin/nologin ${values.user}`);
    console.log(`  usermod -aG dialout ${values.user}`);
    console.log(`  systemctl daemon-reload && systemctl enable --now ${name}`);
    console.log(`  journalctl -u ${name} -f`);
    return 0;
  },
};
export default command;
