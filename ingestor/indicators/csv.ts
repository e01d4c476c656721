/** A CSV field: quoted when it holds a comma, quote or line break (RFC 4180). */
export function csvField(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : v;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * UTF-8 with a byte-order mark so Excel opens Chinese text correctly; `#` comment lines first
 * (units, factor vintages), then a header row with Chinese and English names, then the rows.
 */
export function toCsv(comments: readonly string[], header: readonly string[], rows: readonly (string | number | null | undefined)[][]): string {
  const lines = [...comments.map((c) => `# ${c.replace(/[\r\n]+/g, ' ')}`), header.map(csvField).join(','), ...rows.map((r) => r.map(csvField).join(','))];
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}
