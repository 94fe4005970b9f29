// HTML and SVG built as elements, not as text with holes in it: `el(tag, attrs, ...children)`
// makes an element, `toHtml` writes it out, escaping every text child and every attribute value.
// Tag and attribute names come from this code and are checked; values and text may come from a
// results folder and are never written unescaped. A <style> holds the page's own CSS, written
// without the characters escaping would change.
import { escapeHtml } from '../report/html.ts';

type Attr = string | number | boolean | undefined | null;
type Child = Element | string | number | null | undefined | false | Child[];

export interface Element {
  tag: string;
  attrs: Record<string, Attr>;
  children: Child[];
}

/** an element; an attribute that is undefined, null or false is left out, true is written bare */
export const el = (tag: string, attrs: Record<string, Attr> = {}, ...children: Child[]): Element => ({ tag, attrs, children });

const NAME = /^[a-zA-Z][a-zA-Z0-9:-]*$/;
/** HTML elements without an end tag */
const VOID = new Set(['meta', 'link', 'br', 'hr', 'img', 'input', 'col', 'wbr']);

function write(c: Child, out: string[]): void {
  if (c === null || c === undefined || c === false) return;
  if (Array.isArray(c)) {
    for (const x of c) write(x, out);
    return;
  }
  if (typeof c === 'string' || typeof c === 'number') {
    out.push(escapeHtml(String(c)));
    return;
  }
  if (!NAME.test(c.tag)) throw new Error(`not an element name: ${JSON.stringify(c.tag)}`);
  out.push('<', c.tag);
  for (const [k, v] of Object.entries(c.attrs)) {
    if (!NAME.test(k)) throw new Error(`not an attribute name: ${JSON.stringify(k)}`);
    if (v === undefined || v === null || v === false) continue;
    out.push(' ', k);
    if (v !== true) out.push('="', escapeHtml(String(v)), '"');
  }
  out.push('>');
  if (VOID.has(c.tag)) return;
  if (c.tag === 'style' || c.tag === 'script') {
    // raw text: an entity would not be decoded here, so the text must hold nothing to escape
    if (!c.children.every((x) => typeof x === 'string')) throw new Error(`<${c.tag}> holds text only`);
    const text = c.children.join('');
    if (escapeHtml(text) !== text) throw new Error(`<${c.tag}> text holds a character that cannot be escaped there`);
    out.push(text);
  } else {
    for (const x of c.children) write(x, out);
  }
  out.push('</', c.tag, '>');
}

/** the element (or elements) as HTML text */
export function toHtml(c: Child): string {
  const out: string[] = [];
  write(c, out);
  return out.join('');
}
