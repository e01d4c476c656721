import { END_USES, ZONES } from '../../../core/vocabulary.ts';
import { MEASUREMENTS, type MeasurementKey } from '../../../core/measurements.ts';
import { named, words, type Lang } from '../../../web/i18n.ts';

export type { Lang } from '../../../web/i18n.ts';

const TEXT = {
  title: { zh: '网关调试', en: 'Gateway console' },
  switchTo: { zh: 'EN', en: '中文' },
  logout: { zh: '退出', en: 'Log out' },
  loginTitle: { zh: '请输入调试页面密码', en: 'Enter the console password' },
  password: { zh: '密码', en: 'Password' },
  login: { zh: '登录', en: 'Log in' },
  wrongPassword: { zh: '密码错误', en: 'Wrong password' },
  tooMany: { zh: '失败次数过多，请稍后再试', en: 'Too many failed attempts; try again later' },
  online: { zh: '已连接', en: 'Connected' },
  offline: { zh: '连接中断', en: 'Disconnected' },
  connecting: { zh: '连接中', en: 'Connecting' },
  stopped: { zh: '已停止', en: 'Stopped' },
  clockSource: { zh: '时间来源', en: 'Time from' },
  source_ntp: { zh: 'NTP 同步', en: 'NTP' },
  source_system: { zh: '系统时钟', en: 'System clock' },
  source_ingestor: { zh: '采集服务器应答', en: 'Ingestor acks' },
  reason: { zh: '说明', en: 'Why' },
  answer_data: { zh: '有数据', en: 'data' },
  answer_exception: { zh: '异常应答', en: 'exception' },
  buses: { zh: '总线', en: 'Buses' },
  bus: { zh: '总线', en: 'Bus' },
  type: { zh: '类型', en: 'Type' },
  settings: { zh: '参数', en: 'Settings' },
  utilisation: { zh: '线路占用', en: 'Line busy' },
  meterCount: { zh: '表数', en: 'Meters' },
  meters: { zh: '仪表', en: 'Meters' },
  meter: { zh: '仪表', en: 'Meter' },
  model: { zh: '型号', en: 'Model' },
  address: { zh: '地址', en: 'Address' },
  zone: { zh: '区域', en: 'Zone' },
  endUse: { zh: '分项', en: 'End use' },
  state: { zh: '状态', en: 'State' },
  values: { zh: '最新数值', en: 'Last values' },
  age: { zh: '数据时长', en: 'Age' },
  errors: { zh: '错误/读取', en: 'Errors/reads' },
  lastError: { zh: '最近错误', en: 'Last error' },
  actions: { zh: '调试操作', en: 'Commissioning' },
  scanTitle: { zh: '扫描总线', en: 'Scan a bus' },
  scanIds: { zh: '站号 / 地址', en: 'Unit ids / addresses' },
  timeout: { zh: '超时 (ms)', en: 'Timeout (ms)' },
  scan: { zh: '扫描', en: 'Scan' },
  scanning: { zh: '扫描中', en: 'Scanning' },
  scanDone: { zh: '扫描完成，找到', en: 'Scan done, found' },
  scanFailed: { zh: '扫描失败', en: 'Scan failed' },
  sharedLine: { zh: '（线路在用：每次探测暂停采集不超过 2 秒）', en: '(line in use: each probe pauses polling for at most 2 s)' },
  answer: { zh: '应答', en: 'Answer' },
  modelGuess: { zh: '推测型号', en: 'Model guess' },
  readTitle: { zh: '读取一次', en: 'Read once' },
  readHint: { zh: '点击仪表行的“读取”按钮', en: 'Press “Read” on a meter’s row' },
  read: { zh: '读取', en: 'Read' },
  reading: { zh: '读取中', en: 'Reading' },
  measurement: { zh: '测量项', en: 'Measurement' },
  value: { zh: '数值', en: 'Value' },
  unit: { zh: '单位', en: 'Unit' },
  rawBytes: { zh: '原始字节', en: 'Raw bytes' },
  checkTitle: { zh: '检查配置', en: 'Check the config' },
  check: { zh: '检查', en: 'Check' },
  checkOk: { zh: '配置通过', en: 'Config OK' },
  checkDiffers: { zh: '（文件已修改，重启网关后生效）', en: '(the file changed: restart the gateway to apply it)' },
  problems: { zh: '个问题', en: 'problem(s)' },
  refused: { zh: '已拒绝', en: 'Refused' },
  journal: { zh: '本地日志', en: 'Journal' },
  depth: { zh: '待确认记录', en: 'Unacked records' },
  oldest: { zh: '最早未确认', en: 'Oldest unacked' },
  size: { zh: '占用', en: 'Size' },
  uplink: { zh: '上传', en: 'Uplink' },
  lastAck: { zh: '最近确认', en: 'Last ack' },
  acked: { zh: '已确认读数', en: 'Readings acked' },
  clock: { zh: '时钟', en: 'Clock' },
  trusted: { zh: '可信', en: 'Trusted' },
  untrusted: { zh: '不可信', en: 'Not trusted' },
  held: { zh: '暂存读数', en: 'Held readings' },
  never: { zh: '从未', en: 'never' },
  ago: { zh: '前', en: ' ago' },
  ok: { zh: '正常', en: 'OK' },
  slow: { zh: '缓慢', en: 'Slow' },
  failing: { zh: '故障', en: 'Failing' },
  backed_off: { zh: '已退避', en: 'Backed off' },
  waiting: { zh: '等待首次读数', en: 'Waiting' },
  silent: { zh: '无上报', en: 'Silent' },
  err_timeout: { zh: '无应答（超时）', en: 'No answer (timed out)' },
  err_transient: { zh: '通信错误', en: 'Communication error' },
  err_permanent: { zh: '请求被拒绝（型号或地址不符？）', en: 'Request refused (wrong model or address?)' },
  alarms: { zh: '告警', en: 'Alarms' },
} as const;

export type TextKey = keyof typeof TEXT;
export const WORDS = words(TEXT);
export const { text, isTextKey } = WORDS;

export const zoneText = (z: string, lang: Lang): string => named(ZONES, z, lang);
export const endUseText = (e: string, lang: Lang): string => named(END_USES, e, lang);
export function measurement(k: string, lang: Lang): { label: string; unit: string } {
  const d = MEASUREMENTS[k as MeasurementKey];
  return d ? { label: d[lang], unit: d.unit } : { label: k, unit: '' };
}

/** A duration for people, to the unit that matters. */
export function span(ms: number, lang: Lang): string {
  const s = ms / 1000;
  const [v, zh, en] = s < 60 ? [s.toFixed(1), '秒', ' s'] : s < 3600 ? [(s / 60).toFixed(1), '分钟', ' min'] : s < 86400 ? [(s / 3600).toFixed(1), '小时', ' h'] : [(s / 86400).toFixed(1), '天', ' d'];
  return lang === 'zh' ? `${v} ${zh}` : `${v}${en}`;
}
