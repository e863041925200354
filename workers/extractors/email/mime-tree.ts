/**
 * The MIME structure of a message (content types of every entity, nested
 * messages included), walked iteratively with a depth cap. postal-mime
 * decodes the content; this only describes the shape for metadata.
 */
const MAX_DEPTH = 50;
const MAX_PARTS = 10_000;

function headerBlock(raw: string): { headers: Map<string, string>; body: string } {
  const m = /\r?\n\r?\n/.exec(raw);
  const head = m ? raw.slice(0, m.index) : raw;
  const body = m ? raw.slice(m.index + m[0].length) : '';
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) {
      const k = line.slice(0, i).trim().toLowerCase();
      if (!headers.has(k)) headers.set(k, line.slice(i + 1).trim());
    }
  }
  return { headers, body };
}

export interface MimePart {
  type: string;
  depth: number;
}

export function mimeTree(source: string): MimePart[] {
  const parts: MimePart[] = [];
  const stack: Array<{ raw: string; depth: number; defaultType: string }> = [{ raw: source, depth: 0, defaultType: 'text/plain' }];
  while (stack.length && parts.length < MAX_PARTS) {
    const { raw, depth, defaultType } = stack.pop()!;
    const { headers, body } = headerBlock(raw);
    const ct = headers.get('content-type') ?? '';
    const type = (ct.split(';')[0] ?? '').trim().toLowerCase() || defaultType;
    parts.push({ type, depth });
    if (depth >= MAX_DEPTH) continue;
    if (type.startsWith('multipart/')) {
      const boundary = /boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(ct);
      const b = boundary?.[1] ?? boundary?.[2];
      if (!b) continue;
      const esc = b.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      const pieces = body.split(new RegExp(`(?:^|\\r?\\n)--${esc}(?:--)?[ \\t]*(?=\\r?\\n|$)`));
      // pieces[0] is the preamble; the piece after the closing delimiter is the epilogue.
      const closing = body.search(new RegExp(`(?:^|\\r?\\n)--${esc}--`));
      const children = pieces.slice(1).filter((_, i, arr) => !(closing >= 0 && i === arr.length - 1));
      const childDefault = type === 'multipart/digest' ? 'message/rfc822' : 'text/plain';
      for (let i = children.length - 1; i >= 0; i--) stack.push({ raw: children[i]!.replace(/^\r?\n/, ''), depth: depth + 1, defaultType: childDefault });
    } else if (type === 'message/rfc822' || type === 'message/global') {
      stack.push({ raw: body, depth: depth + 1, defaultType: 'text/plain' });
    }
  }
  return parts;
}

/** message/delivery-status field groups (per-message, then per-recipient), e.g. Final-Recipient, Action, Status. */
export function deliveryStatus(source: string): Array<Record<string, string>> | undefined {
  const i = source.search(/content-type:\s*message\/delivery-status/i);
  if (i < 0) return undefined;
  const after = source.slice(i);
  const start = /\r?\n\r?\n/.exec(after);
  if (!start) return undefined;
  const body = after.slice(start.index + start[0].length);
  const end = body.search(/\r?\n--/);
  const groups = (end >= 0 ? body.slice(0, end) : body).split(/\r?\n[ \t]*\r?\n/);
  const out: Array<Record<string, string>> = [];
  for (const g of groups) {
    const fields: Record<string, string> = {};
    for (const line of g.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
      const j = line.indexOf(':');
      if (j > 0) fields[line.slice(0, j).trim()] = line.slice(j + 1).trim();
    }
    if (Object.keys(fields).length) out.push(fields);
  }
  return out.length ? out : undefined;
}
