export type Lang = 'zh' | 'en';

/** Words by key, each in both languages. */
export type Table = Record<string, Record<Lang, string>>;

export interface Words<K extends string> {
  text(key: K, lang: Lang): string;
  /** Whether the page has words for a key the server names (a state, an error class). */
  isTextKey(key: string): key is K;
}

export function words<K extends string>(table: Record<K, Record<Lang, string>>): Words<K> {
  return {
    text: (key, lang) => table[key][lang],
    // Own keys only: 'constructor' or 'toString' from a server must not pass for words.
    isTextKey: (key): key is K => Object.hasOwn(table, key),
  };
}

/** A name from one of core's vocabulary tables (zones, end uses, …), or the key when it has none. */
export const named = (table: Table, key: string, lang: Lang): string => table[key]?.[lang] ?? key;
