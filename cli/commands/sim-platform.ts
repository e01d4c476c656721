import { parseKey } from '../../core/platform/codec.ts';
import { PADDINGS, type Padding } from '../../core/platform/cipher.ts';
import { DIALECT_NAMES, type DialectName } from '../../core/platform/dialects.ts';
import { serveControl, type PlatformControl } from '../../simulators/platform/control.ts';
import { PlatformSimulator } from '../../simulators/platform/index.ts';
import { parseFlags, UsageError, type Command } from '../command.ts';
import { t } from '../i18n.ts';

function hostPort(v: string, flag: string): { host: string; port: number } {
  const m = /^([^\s:]+):(\d{1,5})$/.exec(v);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw new UsageError(t(`--${flag}: expected HOST:PORT (port 0 takes a free one), got "${v}"`, `--${flag}：应为 主机:端口（端口 0 表示任选空闲端口），收到 "${v}"`));
  return { host: m[1]!, port };
}

const command: Command = {
  summary: ['Reference energy-monitoring platform (2008 data-transmission guideline) for tests', '能耗监测平台参考实现（数据传输技术导则 2008），用于测试'],
  usage: '--port N --secret S --key HEX --iv HEX [--host 127.0.0.1] [--dialect gb2008|renewable] [--padding zero|ascii0|pkcs7] [--store FILE.jsonl] [--utc-offset 8] [--control HOST:PORT]\n\n' +
    t('KEY and IV are 32 hex digits or 16 ASCII characters. --store appends every accepted period as a JSON line; ' +
      '--control serves GET /status, POST /down[?for_s=N], POST /up, POST /drop, POST /lose-acks?n=N, POST /refuse?n=N (docs/platforms.md).',
    'KEY 与 IV 为 32 位十六进制或 16 个 ASCII 字符。--store 将每个已接收的时段追加为一行 JSON；' +
      '--control 提供 GET /status、POST /down[?for_s=N]、POST /up、POST /drop、POST /lose-acks?n=N、POST /refuse?n=N（见 docs/platforms.md）。'),
  async run(argv) {
    const { values: f } = parseFlags(argv, {
      port: { type: 'string' }, host: { type: 'string', default: '127.0.0.1' }, secret: { type: 'string' }, key: { type: 'string' }, iv: { type: 'string' },
      dialect: { type: 'string', default: 'gb2008' }, padding: { type: 'string' }, store: { type: 'string' }, 'utc-offset': { type: 'string', default: '8' },
      control: { type: 'string' },
    });
    if (f.port === undefined || !/^\d{1,5}$/.test(f.port) || Number(f.port) > 65535) throw new UsageError(t(`--port: expected 0–65535, got "${f.port ?? ''}"`, `--port：应为 0–65535，收到 "${f.port ?? ''}"`));
    if (!f.secret || f.secret.length > 256) throw new UsageError(t('--secret: give the shared secret (1–256 characters)', '--secret：请给出共享密钥（1–256 个字符）'));
    const key = f.key === undefined ? null : parseKey(f.key);
    const iv = f.iv === undefined ? null : parseKey(f.iv);
    if (!key) throw new UsageError(t('--key: expected 32 hex digits or 16 ASCII characters (AES-128)', '--key：应为 32 位十六进制或 16 个 ASCII 字符（AES-128）'));
    if (!iv) throw new UsageError(t('--iv: expected 32 hex digits or 16 ASCII characters', '--iv：应为 32 位十六进制或 16 个 ASCII 字符'));
    if (!(DIALECT_NAMES as readonly string[]).includes(f.dialect!)) throw new UsageError(t(`--dialect: expected one of ${DIALECT_NAMES.join(', ')}, got "${f.dialect}"`, `--dialect：应为 ${DIALECT_NAMES.join('、')} 之一，收到 "${f.dialect}"`));
    if (f.padding !== undefined && !(PADDINGS as readonly string[]).includes(f.padding)) throw new UsageError(t(`--padding: expected one of ${PADDINGS.join(', ')}, got "${f.padding}"`, `--padding：应为 ${PADDINGS.join('、')} 之一，收到 "${f.padding}"`));
    const offset = Number(f['utc-offset']);
    if (!Number.isFinite(offset) || offset < -12 || offset > 14) throw new UsageError(t(`--utc-offset: expected hours between -12 and 14, got "${f['utc-offset']}"`, `--utc-offset：应为 -12 到 14 之间的小时数，收到 "${f['utc-offset']}"`));
    const control = f.control === undefined ? undefined : hostPort(f.control, 'control');

    const sim = new PlatformSimulator({
      host: f.host, port: Number(f.port), secret: f.secret, key, iv, dialect: f.dialect as DialectName,
      ...(f.padding ? { padding: f.padding as Padding } : {}), ...(f.store ? { store: f.store } : {}), utcOffsetHours: offset,
    });
    const at = await sim.up();
    let ctl: PlatformControl | undefined;
    try {
      if (control) ctl = await serveControl(sim, control.host, control.port);
    } catch (err) {
      await sim.close();
      throw err;
    }
    console.log(`${t('platform', '平台')} ${f.dialect} ${t('listening on', '监听')} ${at.host}:${at.port}${f.store ? `, ${t('store', '存储')} ${f.store} (${sim.periods().length} ${t('periods', '个时段')})` : ''}`);
    if (ctl) console.log(`${t('control', '控制接口')} ${ctl.url}`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    await ctl?.close();
    await sim.close();
    console.log(`${t('stopped', '已停止')}: ${sim.counters.accepted} ${t('periods stored', '个时段已存储')}, ${sim.counters.duplicates} ${t('duplicates acknowledged', '个重复时段已确认')}`);
    return 0;
  },
};
export default command;
