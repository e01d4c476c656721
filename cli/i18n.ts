// The CLI speaks English or Chinese: ZM_LANG wins, then LANG/LC_ALL (zh_* → Chinese).
export type Lang = 'en' | 'zh';

export function cliLang(env: NodeJS.ProcessEnv = process.env): Lang {
  const v = (env.ZM_LANG ?? env.LC_ALL ?? env.LANG ?? '').toLowerCase();
  return v.startsWith('zh') ? 'zh' : 'en';
}

/** Picks the text for the current language. */
export function t(en: string, zh: string): string {
  return cliLang() === 'zh' ? zh : en;
}
