// The alert rules by id, with their names and one line of what to check, in both languages. Plain
// data without zod: the dashboard and the ingestor's robot messages read the same table.

export const ALERT_RULES = [
  'stale', 'counter', 'night_base', 'leak', 'weekend', 'balance', 'completeness', 'backlog', 'trajectory',
] as const;
export type AlertRule = (typeof ALERT_RULES)[number];

export const ALERT_STATES = ['firing', 'acknowledged', 'resolved'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

/** What an alert is about: a meter, a building, a gateway or a whole site (plan trajectory). */
export const ALERT_SUBJECTS = ['meter', 'building', 'gateway', 'site'] as const;
export type AlertSubjectKind = (typeof ALERT_SUBJECTS)[number];

interface Text { zh: string; en: string }

export const ALERT_TEXT: Record<AlertRule, { name: Text; advice: Text }> = {
  stale: {
    name: { zh: '表计无数据', en: 'Meter silent' },
    advice: { zh: '检查表计供电、RS-485 接线与地址、网关轮询日志', en: 'Check the meter\'s power, its RS-485 wiring and address, and the gateway\'s poll log' },
  },
  counter: {
    name: { zh: '读数异常跳变', en: 'Counter jumped or went back' },
    advice: { zh: '核对表计是否更换或复位；若已更换，补录换表记录', en: 'Check whether the meter was swapped or reset; if swapped, record the replacement' },
  },
  night_base: {
    name: { zh: '夜间基础负荷偏高', en: 'High night base load' },
    advice: { zh: '夜间巡查照明、空调、开水器等是否未关闭', en: 'Walk the building at night: lighting, air conditioning, water boilers left on' },
  },
  leak: {
    name: { zh: '夜间持续用水（疑似漏水）', en: 'Water flowing at night (possible leak)' },
    advice: { zh: '关闭用水点后观察水表；检查水箱浮球、卫生间冲水阀与地下管道', en: 'Watch the meter with all taps shut; check tank floats, cistern valves and buried pipes' },
  },
  weekend: {
    name: { zh: '节假日/周末负荷偏高', en: 'High weekend or holiday load' },
    advice: { zh: '核查周末空调、照明定时与值班区域用电', en: 'Check weekend schedules of air conditioning and lighting, and on-duty areas' },
  },
  balance: {
    name: { zh: '总分表不平衡', en: 'Parent and sub-meters disagree' },
    advice: { zh: '查找未计量支路或漏损，核对互感器变比与表计倍率', en: 'Look for unmetered circuits or losses; check CT ratios and meter multipliers' },
  },
  completeness: {
    name: { zh: '数据完整度不足', en: 'Data incomplete' },
    advice: { zh: '补采缺失时段数据（网关日志回传），核查通信中断原因', en: 'Recover the missing period from the gateway journal; find why the link was down' },
  },
  backlog: {
    name: { zh: '网关积压未上传', en: 'Gateway backlog not delivered' },
    advice: { zh: '检查网关上行网络与 MQTT 连接，确认网关磁盘空间', en: 'Check the gateway\'s uplink network and MQTT connection, and its free disk space' },
  },
  trajectory: {
    name: { zh: '年度目标进度落后', en: 'Behind the plan\'s trajectory' },
    advice: { zh: '对照分项能耗找出增长来源，制定节能措施', en: 'Find where consumption grew in the end-use breakdown and plan savings measures' },
  },
};
