import { $ } from './dom.ts';
import type { Lang, Words } from './i18n.ts';

/** The language chosen last under `storageKey`: Chinese unless English was chosen. */
export const savedLang = (storageKey: string): Lang => (localStorage.getItem(storageKey) === 'en' ? 'en' : 'zh');

/**
 * The page's frame in `lang`: the document's language, every `[data-i18n]` element, the `#lang`
 * button (named for the other language) and the `#conn` badge.
 */
export function renderChrome<K extends string>(lang: Lang, words: Words<K | 'switchTo'>, conn: NoInfer<K>): void {
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  for (const el of document.querySelectorAll<HTMLElement>('[data-i18n]')) {
    const key = el.dataset.i18n!;
    if (words.isTextKey(key)) el.textContent = words.text(key, lang);
  }
  $('#lang').textContent = words.text('switchTo', lang);
  const badge = $('#conn');
  badge.dataset.state = conn;
  badge.textContent = words.text(conn, lang);
}

/** The `#lang` button flips the language, keeps the choice under `storageKey` and hands it to `apply`. */
export function onLangSwitch(storageKey: string, current: () => Lang, apply: (lang: Lang) => void): void {
  $('#lang').addEventListener('click', () => {
    const lang = current() === 'zh' ? 'en' : 'zh';
    localStorage.setItem(storageKey, lang);
    apply(lang);
  });
}
