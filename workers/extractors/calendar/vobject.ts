/**
 * The line format iCalendar (RFC 5545) and vCard (RFC 6350, 3.0 and 2.1)
 * share: "NAME;PARAM=value;PARAM="quoted":value" content lines, folded by a
 * line break followed by a space or tab, grouped by BEGIN/END into nested
 * components. Written here because no small, maintained, offline parser
 * covers both with vCard 2.1's quirks (a quoted-printable value continues
 * after a trailing "=", a bare parameter like "WORK" means TYPE=WORK, a
 * base64 value ends at a blank line).
 *
 * Limits keep a hostile file bounded: nesting depth and component count.
 */
import { ExtractionError } from '../../../shared/extraction';
import { decodeText } from '../../text/decode';

export interface Property {
  name: string;
  params: Record<string, string[]>;
  /** The raw value: not unescaped, not decoded (see textValue, decodedValue). */
  value: string;
  line: number;
}

export interface Component {
  name: string;
  properties: Property[];
  components: Component[];
}

const MAX_DEPTH = 32;
const MAX_COMPONENTS = 100_000;

/** Unfolds continuation lines, and vCard 2.1 quoted-printable soft breaks ("=" at the end of a line). */
function contentLines(text: string): Array<{ text: string; line: number }> {
  const raw = text.split(/\r\n|\n|\r/);
  const out: Array<{ text: string; line: number }> = [];
  for (let i = 0; i < raw.length; i++) {
    const l = raw[i]!;
    const last = out[out.length - 1];
    if (last && (l.startsWith(' ') || l.startsWith('\t'))) last.text += l.slice(1);
    else if (last && /ENCODING=QUOTED-PRINTABLE/i.test(last.text.split(':', 1)[0]!) && last.text.endsWith('=') && l.trim()) {
      last.text = last.text.slice(0, -1) + l;
    } else if (l.trim()) out.push({ text: l, line: i + 1 });
  }
  return out;
}

/** Splits a content line at unquoted ';' and the first unquoted ':'. */
export function parseLine(text: string, line: number): Property | null {
  let i = 0;
  let quoted = false;
  const parts: string[] = [];
  let start = 0;
  for (; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === ';' || c === ':')) {
      parts.push(text.slice(start, i));
      start = i + 1;
      if (c === ':') break;
    }
  }
  if (i >= text.length) return null; // no value separator: not a content line
  const [nameWithGroup, ...rawParams] = parts;
  const name = nameWithGroup!.replace(/^[^.]*\./, '').toUpperCase(); // "item1.EMAIL" -> EMAIL
  const params: Record<string, string[]> = {};
  for (const p of rawParams) {
    const eq = p.indexOf('=');
    const key = (eq < 0 ? 'TYPE' : p.slice(0, eq)).toUpperCase();
    const values = (eq < 0 ? p : p.slice(eq + 1)).match(/"[^"]*"|[^,]+/g) ?? [''];
    (params[key] ??= []).push(...values.map((v) => v.replace(/^"|"$/g, '')));
  }
  return { name, params, value: text.slice(i + 1), line };
}

/** Parses the whole file into its top-level components (VCALENDAR, VCARD...). */
export function parseComponents(text: string, what: string): Component[] {
  const roots: Component[] = [];
  const stack: Component[] = [];
  let count = 0;
  for (const { text: l, line } of contentLines(text)) {
    const prop = parseLine(l, line);
    if (!prop) continue;
    if (prop.name === 'BEGIN') {
      if (stack.length >= MAX_DEPTH) throw new ExtractionError('resource_limit', `The ${what} nests components more than ${MAX_DEPTH} deep (line ${line})`);
      if (++count > MAX_COMPONENTS) throw new ExtractionError('resource_limit', `The ${what} has more than ${MAX_COMPONENTS} components`);
      const c: Component = { name: prop.value.trim().toUpperCase(), properties: [], components: [] };
      (stack.length ? stack[stack.length - 1]!.components : roots).push(c);
      stack.push(c);
    } else if (prop.name === 'END') {
      // Close up to the matching BEGIN; an unmatched END is ignored.
      const at = stack.map((c) => c.name).lastIndexOf(prop.value.trim().toUpperCase());
      if (at >= 0) stack.length = at;
    } else if (stack.length) stack[stack.length - 1]!.properties.push(prop);
  }
  return roots;
}

/** Unescapes a TEXT value (RFC 5545 3.3.11): \n, \N, \, \; \\. */
export function unescapeText(value: string): string {
  return value.replace(/\\([nN,;\\:])/g, (_, c: string) => (c === 'n' || c === 'N' ? '\n' : c));
}

/** Splits a structured value (N, ADR, ORG) at unescaped ';'. */
export function components(value: string): string[] {
  return value.split(/(?<!\\);/).map(unescapeText);
}

function param(p: Property, key: string): string | undefined {
  return p.params[key]?.[0];
}

/** The value's bytes when it is base64 (vCard ENCODING=b or BASE64, iCalendar ENCODING=BASE64). */
export function binaryValue(p: Property): Buffer | undefined {
  const enc = param(p, 'ENCODING')?.toUpperCase();
  if (enc !== 'B' && enc !== 'BASE64') return undefined;
  return Buffer.from(p.value.replace(/\s+/g, ''), 'base64');
}

/** The value as text: quoted-printable decoded in its charset (vCard 2.1), else unescaped. */
export function textValue(p: Property): string {
  if (param(p, 'ENCODING')?.toUpperCase() === 'QUOTED-PRINTABLE') {
    const bytes = Buffer.from(
      p.value.replace(/=([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))),
      'latin1',
    );
    return decodeText(bytes, { override: param(p, 'CHARSET') ?? 'utf-8' }).text;
  }
  return unescapeText(p.value);
}

export function first(c: Component, name: string): Property | undefined {
  return c.properties.find((p) => p.name === name);
}

export function all(c: Component, name: string): Property[] {
  return c.properties.filter((p) => p.name === name);
}

export function typesOf(p: Property): string[] {
  return (p.params.TYPE ?? []).map((t) => t.toLowerCase());
}
