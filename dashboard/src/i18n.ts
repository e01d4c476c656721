import { ZONES, END_USES, ENERGY_KINDS, FACILITIES } from '../../core/vocabulary.ts';

export type Lang = 'zh' | 'en';

const TEXT = {
  title: { zh: '分区计量', en: 'Zone metering' },
  switchTo: { zh: 'EN', en: '中文' },
  site: { zh: '站点', en: 'Site' },
  building: { zh: '建筑', en: 'Building' },
  allBuildings: { zh: '全部建筑', en: 'All buildings' },
  navOverview: { zh: '指标', en: 'Indicators' },
  navLive: { zh: '实时', en: 'Live' },
  navCoverage: { zh: '覆盖率', en: 'Coverage' },
  navHealth: { zh: '设备', en: 'Devices' },
  navAlerts: { zh: '告警', en: 'Alerts' },
  // alerts
  alertsTitle: { zh: '当前告警', en: 'Active alerts' },
  rule: { zh: '规则', en: 'Rule' },
  subject: { zh: '对象', en: 'Subject' },
  since: { zh: '开始于', en: 'Since' },
  whatToCheck: { zh: '检查建议', en: 'What to check' },
  acknowledge: { zh: '确认', en: 'Acknowledge' },
  ackNote: { zh: '处理说明', en: 'Note' },
  acknowledgedBy: { zh: '已确认', en: 'Acknowledged' },
  noAlerts: { zh: '当前无告警', en: 'No active alerts' },
  readOnly: { zh: '只读：输入 API 令牌后可确认告警', en: 'Read-only: enter the API token to acknowledge alerts' },
  apiToken: { zh: 'API 令牌', en: 'API token' },
  saveToken: { zh: '保存', en: 'Save' },
  forgetToken: { zh: '清除令牌', en: 'Forget token' },
  tokenRefused: { zh: '令牌无效，已清除', en: 'Token refused; cleared' },
  noteRequired: { zh: '请填写处理说明', en: 'Write a note first' },
  // overview
  overview: { zh: '能耗指标与规划目标', en: 'Indicators against plan targets' },
  kgce_per_m2: { zh: '单位建筑面积能耗', en: 'Energy per floor area' },
  kgce_per_capita: { zh: '人均综合能耗', en: 'Energy per person' },
  water_m3_per_capita: { zh: '人均用水量', en: 'Water per person' },
  kgco2_per_m2: { zh: '单位建筑面积碳排放', en: 'Carbon per floor area' },
  baseYear: { zh: '基准年', en: 'Base year' },
  current: { zh: '当前', en: 'Now' },
  decline: { zh: '下降率', en: 'Decline' },
  target: { zh: '目标', en: 'Target' },
  achieved: { zh: '目标完成度', en: 'Target achieved' },
  neededPerYear: { zh: '每年仍需下降', en: 'Still needed per year' },
  trend: { zh: '逐年趋势', en: 'Trend by year' },
  noData: { zh: '暂无数据', en: 'No data yet' },
  incompleteData: { zh: '数据不完整', en: 'Incomplete data' },
  noDataPeriod: { zh: '无数据', en: 'No data' },
  futurePeriod: { zh: '尚未到期', en: 'Not yet' },
  lastFullYear: { zh: '上一完整年度', en: 'Last full year' },
  yearToDate: { zh: '本年累计', en: 'Year to date' },
  against: { zh: '对比', en: 'against' },
  completeness: { zh: '数据完整度', en: 'completeness' },
  notAvailable: { zh: '该接口尚不可用', en: 'Not available from this ingestor' },
  // live
  live: { zh: '实时读数', en: 'Live readings' },
  nowTitle: { zh: '当前负荷', en: 'Consumption now' },
  elecKw: { zh: '电功率', en: 'Electric power' },
  waterM3h: { zh: '用水流量', en: 'Water flow' },
  heatKw: { zh: '热功率', en: 'Heat power' },
  byZone: { zh: '按分区', en: 'By zone' },
  byEndUse: { zh: '按分项', en: 'By end use' },
  last24h: { zh: '最近24小时', en: 'Last 24 hours' },
  nightBase: { zh: '夜间基础负荷', en: 'Night base load' },
  waiting: { zh: '等待数据…', en: 'Waiting for data…' },
  open: { zh: '已连接', en: 'Live' },
  connecting: { zh: '连接中', en: 'Connecting' },
  closed: { zh: '已断开', en: 'Disconnected' },
  updated: { zh: '更新于', en: 'Updated' },
  total: { zh: '合计', en: 'Total' },
  // coverage
  coverage: { zh: '计量覆盖', en: 'Metering coverage' },
  zoneRate: { zh: '分区计量器具配备率', en: 'Zone metering rate' },
  facilityRate: { zh: '分项计量器具配备率', en: 'Facility metering rate' },
  liveRate: { zh: '在线率', en: 'Live rate' },
  pointLive: { zh: '在线', en: 'Live' },
  pointSilent: { zh: '无数据', en: 'Silent' },
  pointMissing: { zh: '缺失', en: 'Missing' },
  notRequired: { zh: '不要求', en: 'Not required' },
  energyFlow: { zh: '能流：总表 → 分区 → 分项', en: 'Energy flow: main meters → zones → end uses' },
  unmetered: { zh: '未计量', en: 'Unmetered' },
  balance: { zh: '能量平衡', en: 'Energy balance' },
  parentMeter: { zh: '上级表', en: 'Parent meter' },
  subMeters: { zh: '下级表合计', en: 'Sub-meters' },
  // health
  health: { zh: '表计与网关', en: 'Meters and gateways' },
  gateways: { zh: '网关', en: 'Gateways' },
  meters: { zh: '表计', en: 'Meters' },
  quarantine: { zh: '隔离批次', en: 'Quarantined batches' },
  online: { zh: '在线', en: 'Online' },
  offline: { zh: '离线', en: 'Offline' },
  lastSeen: { zh: '最后上报', en: 'Last seen' },
  lag: { zh: '上行延迟', en: 'Uplink lag' },
  backlog: { zh: '日志积压', en: 'Journal backlog' },
  oldestUnacked: { zh: '最早未确认', en: 'Oldest unacked' },
  alarms: { zh: '告警', en: 'Alarms' },
  errors: { zh: '质量标记', en: 'Quality flags' },
  metersOnline: { zh: '在线表计', en: 'Meters online' },
  reason: { zh: '原因', en: 'Reason' },
  detail: { zh: '详情', en: 'Detail' },
  time: { zh: '时间', en: 'Time' },
  none: { zh: '无', en: 'None' },
  meter: { zh: '表计', en: 'Meter' },
  kind: { zh: '能源', en: 'Kind' },
  zone: { zh: '分区', en: 'Zone' },
  endUse: { zh: '分项', en: 'End use' },
  state: { zh: '状态', en: 'State' },
  gateway: { zh: '网关', en: 'Gateway' },
} as const;
export type TextKey = keyof typeof TEXT;

export function text(key: TextKey, lang: Lang): string {
  return TEXT[key][lang];
}

export function isTextKey(key: string): key is TextKey {
  return Object.hasOwn(TEXT, key);
}

type Named = Record<string, { zh: string; en: string }>;
const name = (table: Named, key: string, lang: Lang) => table[key]?.[lang] ?? key;

export const zoneName = (zone: string, lang: Lang) => name(ZONES, zone, lang);
export const endUseName = (endUse: string, lang: Lang) => name(END_USES, endUse, lang);
export const kindName = (kind: string, lang: Lang) => name(ENERGY_KINDS, kind, lang);
export const facilityName = (facility: string, lang: Lang) => name(FACILITIES, facility, lang);
