import { ZONES, END_USES, ENERGY_KINDS } from '../../core/vocabulary.ts';

export type Lang = 'zh' | 'en';

const TEXT = {
  title: { zh: '分区计量', en: 'Zone metering' },
  live: { zh: '实时读数', en: 'Live readings' },
  waiting: { zh: '等待数据…', en: 'Waiting for data…' },
  open: { zh: '已连接', en: 'Live' },
  connecting: { zh: '连接中', en: 'Connecting' },
  closed: { zh: '已断开', en: 'Disconnected' },
  updated: { zh: '更新于', en: 'Updated' },
  switchTo: { zh: 'EN', en: '中文' },
} as const;
export type TextKey = keyof typeof TEXT;

export function text(key: TextKey, lang: Lang): string {
  return TEXT[key][lang];
}

export function zoneName(zone: string, lang: Lang): string {
  return (ZONES as Record<string, { zh: string; en: string }>)[zone]?.[lang] ?? zone;
}

export function endUseName(endUse: string, lang: Lang): string {
  return (END_USES as Record<string, { zh: string; en: string }>)[endUse]?.[lang] ?? endUse;
}

export function kindName(kind: string, lang: Lang): string {
  return (ENERGY_KINDS as Record<string, { zh: string; en: string }>)[kind]?.[lang] ?? kind;
}
