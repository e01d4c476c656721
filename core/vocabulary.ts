// The closed vocabulary: energy kinds, zones, end uses and facilities. Codes follow the
// public-institution energy monitoring guideline (能耗监测 分类分项编码).

export const ENERGY_KINDS = {
  electricity: { code: '01000', unit: 'kWh', zh: '电', en: 'Electricity' },
  water: { code: '02000', unit: 'm³', zh: '水', en: 'Water' },
  gas: { code: '03000', unit: 'm³', zh: '燃气', en: 'Gas' },
  heat: { code: '04000', unit: 'kWh', zh: '集中供热', en: 'District heat' },
  cooling: { code: '05000', unit: 'kWh', zh: '集中供冷', en: 'District cooling' },
  other: { code: '06000', unit: '', zh: '其他能源', en: 'Other energy' },
} as const;
export type EnergyKind = keyof typeof ENERGY_KINDS;
export const ENERGY_KIND_KEYS = Object.keys(ENERGY_KINDS) as [EnergyKind, ...EnergyKind[]];

export const ZONES = {
  administrative: { zh: '行政办公区', en: 'Administrative' },
  business: { zh: '业务区', en: 'Business' },
  logistics: { zh: '后勤服务区', en: 'Logistics service' },
  other: { zh: '其他区域', en: 'Other' },
} as const;
export type Zone = keyof typeof ZONES;
export const ZONE_KEYS = Object.keys(ZONES) as [Zone, ...Zone[]];

// `total` marks a meter that measures a whole supply (a main or zone meter) rather than one end use;
// its code is the kind's own code (01000 for electricity, 02000 for water, ...).
export const END_USES = {
  total: { code: null, zh: '总计', en: 'Total' },
  lighting_sockets: { code: '01A00', zh: '照明插座用电', en: 'Lighting & sockets' },
  air_conditioning: { code: '01B00', zh: '空调用电', en: 'Air conditioning' },
  power: { code: '01C00', zh: '动力用电', en: 'Power (lifts, pumps, fans)' },
  special: { code: '01D00', zh: '特殊用电', en: 'Special (data centre, kitchen, pool…)' },
} as const;
export type EndUse = keyof typeof END_USES;
export const END_USE_KEYS = Object.keys(END_USES) as [EndUse, ...EndUse[]];

export function endUseCode(endUse: EndUse, kind: EnergyKind): string {
  return END_USES[endUse].code ?? ENERGY_KINDS[kind].code;
}

// Facilities the policy requires to be sub-metered where present (分项计量), plus data_center,
// which is tracked the same way.
export const FACILITIES = {
  central_ac: { zh: '中央空调', en: 'Central air conditioning', required: true },
  canteen: { zh: '食堂', en: 'Canteen', required: true },
  bathhouse: { zh: '公共浴室', en: 'Bathhouse', required: true },
  swimming_pool: { zh: '游泳池', en: 'Swimming pool', required: true },
  data_center: { zh: '数据中心', en: 'Data centre', required: false },
} as const;
export type Facility = keyof typeof FACILITIES;
export const FACILITY_KEYS = Object.keys(FACILITIES) as [Facility, ...Facility[]];
