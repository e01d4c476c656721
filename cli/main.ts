import type { Command } from './command.ts';
import { reportError } from './command.ts';
import { t } from './i18n.ts';

// Each command lives in its own file and is loaded only when run, so `gateway read` on a Pi does
// not pay for the ingestor's dependencies.
const COMMANDS: Record<string, () => Promise<{ default: Command }>> = {
  'gateway run': () => import('./commands/gateway-run.ts'),
  'gateway plan': () => import('./commands/gateway-plan.ts'),
  'gateway models': () => import('./commands/gateway-models.ts'),
  'gateway scan': () => import('./commands/gateway-scan.ts'),
  'gateway read': () => import('./commands/gateway-read.ts'),
  'gateway check': () => import('./commands/gateway-check.ts'),
  'gateway decode': () => import('./commands/gateway-decode.ts'),
  'gateway install-service': () => import('./commands/gateway-install-service.ts'),
  'gateway hash-password': () => import('./commands/gateway-hash-password.ts'),
  'ingestor run': () => import('./commands/ingestor-run.ts'),
  'ingestor hash-password': () => import('./commands/ingestor-hash-password.ts'),
  'sim meter': () => import('./commands/sim-meter.ts'),
  'sim building': () => import('./commands/sim-building.ts'),
  'sim backfill': () => import('./commands/sim-backfill.ts'),
  'sim platform': () => import('./commands/sim-platform.ts'),
  demo: () => import('./commands/demo.ts'),
};

async function help(): Promise<void> {
  console.log(t('zonemeter — zone-by-zone metering for public buildings', 'zonemeter — 公共机构分区分项计量'));
  console.log('');
  console.log(t('Usage: zonemeter <command> [options]', '用法: zonemeter <命令> [选项]'));
  console.log('');
  for (const [name, load] of Object.entries(COMMANDS)) {
    const cmd = await load().then((m) => m.default, (err: unknown) => notShipped(err));
    console.log(`  ${name.padEnd(24)} ${cmd ? t(cmd.summary[0], cmd.summary[1]) : t('(not in this package)', '（此安装包不含）')}`);
  }
  console.log('');
  console.log(t('Run `zonemeter <command> --help` for its options. ZM_LANG=zh|en picks the language.',
    '运行 `zonemeter <命令> --help` 查看选项。ZM_LANG=zh|en 选择语言。'));
}

/**
 * The gateway release (scripts/release-gateway.mjs) ships the gateway commands' chunks and packages
 * only; another command's chunk or package is then missing. Any other load failure is a bug and
 * is thrown as it is.
 */
function notShipped(err: unknown): undefined {
  const code = (err as NodeJS.ErrnoException).code;
  // From the sources every command is there: a missing module is a real error.
  if (code === 'ERR_MODULE_NOT_FOUND' && !import.meta.url.endsWith('.ts')) return undefined;
  throw err;
}

/**
 * `zonemeter gateway models | head` closes the pipe early: that is the reader being done, not a
 * failure, so leave quietly instead of dying on an unhandled EPIPE.
 */
function quietOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(0);
      throw err;
    });
  }
}

export async function main(argv: string[]): Promise<number> {
  quietOnClosedPipe();
  const two = argv.slice(0, 2).join(' ');
  const name = COMMANDS[two] ? two : COMMANDS[argv[0] ?? ''] ? argv[0]! : undefined;
  if (!name) {
    await help();
    return argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' ? 0 : 2;
  }
  const rest = argv.slice(name.split(' ').length);
  const cmd = await COMMANDS[name]!().then((m) => m.default, (err: unknown) => notShipped(err));
  if (!cmd) {
    console.error(t(`error: \`${name}\` is not in this package: the board's gateway release carries the gateway commands only; run it from the full bundle (npm run build) or a clone`,
      `错误: 此安装包不含 \`${name}\`：网关发布包只含网关命令；请使用完整构建 (npm run build) 或源码运行`));
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(`zonemeter ${name} ${cmd.usage}\n\n${t(cmd.summary[0], cmd.summary[1])}`);
    return 0;
  }
  try {
    return await cmd.run(rest);
  } catch (err) {
    return reportError(err);
  }
}
