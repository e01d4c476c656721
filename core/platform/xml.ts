import { ProtocolError } from './errors.ts';

/** A parsed element: name, attributes, child elements and its own text. */
export interface XmlNode {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  text: string;
}

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
export const escapeXml = (s: string): string => s.replace(/[&<>"']/g, (c) => ESC[c]!);

/** Builds an element; attribute values and text are escaped, children are already-built strings. */
export function el(name: string, attrs: Record<string, string | number | undefined> = {}, ...content: (string | undefined)[]): string {
  const a = Object.entries(attrs).filter(([, v]) => v !== undefined).map(([k, v]) => ` ${k}="${escapeXml(String(v))}"`).join('');
  return `<${name}${a}>${content.filter((c) => c !== undefined).join('')}</${name}>`;
}
export const text = (name: string, value: string | number): string => `<${name}>${escapeXml(String(value))}</${name}>`;

export interface XmlLimits {
  maxElements: number;
  maxDepth: number;
}

const NAME = /[A-Za-z_][\w.-]*/y;
const ENTITY = /&(?:(amp|lt|gt|quot|apos)|#(\d{1,7})|#x([0-9a-fA-F]{1,6}));/g;
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function unescape(s: string, at: number): string {
  if (!s.includes('&')) return s;
  if (/&(?!(?:amp|lt|gt|quot|apos|#\d{1,7}|#x[0-9a-fA-F]{1,6});)/.test(s)) throw new ProtocolError('malformed_xml', `bare "&" or unknown entity near offset ${at}`);
  return s.replace(ENTITY, (_m, named: string | undefined, dec: string | undefined, hex: string | undefined) => {
    if (named) return NAMED[named]!;
    const cp = dec ? Number(dec) : parseInt(hex!, 16);
    if (cp > 0x10ffff) throw new ProtocolError('malformed_xml', `character reference out of range near offset ${at}`);
    return String.fromCodePoint(cp);
  });
}

/**
 * A small XML parser for the guideline's messages: elements, attributes, text and character
 * references. No DTD, no external entities (nothing to expand), and bounded in elements and depth.
 */
export function parseXml(src: string, limits: XmlLimits = { maxElements: 50_000, maxDepth: 16 }): XmlNode {
  let i = 0;
  let count = 0;
  const fail = (msg: string): never => { throw new ProtocolError('malformed_xml', `${msg} at offset ${i}`); };
  const skipWs = () => { while (i < src.length && /\s/.test(src[i]!)) i++; };
  const skipMisc = () => {
    for (;;) {
      skipWs();
      if (src.startsWith('<?', i)) { const e = src.indexOf('?>', i); if (e < 0) fail('unterminated declaration'); i = e + 2; continue; }
      if (src.startsWith('<!--', i)) { const e = src.indexOf('-->', i); if (e < 0) fail('unterminated comment'); i = e + 3; continue; }
      if (src.startsWith('<!', i)) fail('DTDs are not accepted');
      return;
    }
  };
  const name = (): string => {
    NAME.lastIndex = i;
    const m = NAME.exec(src);
    if (!m) return fail('expected a name');
    i += m[0].length;
    return m[0];
  };
  const element = (depth: number): XmlNode => {
    if (depth > limits.maxDepth) fail(`nesting deeper than ${limits.maxDepth}`);
    if (++count > limits.maxElements) fail(`more than ${limits.maxElements} elements`);
    if (src[i] !== '<') fail('expected "<"');
    i++;
    const node: XmlNode = { name: name(), attrs: {}, children: [], text: '' };
    for (;;) {
      skipWs();
      if (src.startsWith('/>', i)) { i += 2; return node; }
      if (src[i] === '>') { i++; break; }
      const key = name();
      skipWs();
      if (src[i] !== '=') fail(`expected "=" after attribute ${key}`);
      i++;
      skipWs();
      const q = src[i];
      if (q !== '"' && q !== "'") fail(`expected a quoted value for attribute ${key}`);
      const end = src.indexOf(q!, i + 1);
      if (end < 0) fail(`unterminated value of attribute ${key}`);
      if (Object.hasOwn(node.attrs, key)) fail(`attribute ${key} given twice`);
      node.attrs[key] = unescape(src.slice(i + 1, end), i);
      i = end + 1;
    }
    let textParts = '';
    for (;;) {
      const lt = src.indexOf('<', i);
      if (lt < 0) fail(`element <${node.name}> is not closed`);
      textParts += src.slice(i, lt);
      i = lt;
      if (src.startsWith('</', i)) {
        i += 2;
        const closing = name();
        if (closing !== node.name) fail(`</${closing}> closes <${node.name}>`);
        skipWs();
        if (src[i] !== '>') fail('expected ">"');
        i++;
        node.text = unescape(textParts, i).trim();
        return node;
      }
      if (src.startsWith('<!--', i)) { const e = src.indexOf('-->', i); if (e < 0) fail('unterminated comment'); i = e + 3; continue; }
      node.children.push(element(depth + 1));
    }
  };
  skipMisc();
  const root = element(1);
  skipMisc();
  if (i !== src.length) fail('content after the root element');
  return root;
}

export const child = (n: XmlNode | undefined, name: string): XmlNode | undefined => n?.children.find((c) => c.name === name);
export const children = (n: XmlNode | undefined, name: string): XmlNode[] => n?.children.filter((c) => c.name === name) ?? [];
