/**
 * Mutations of a file's raw bytes, the kinds that find parser bugs in
 * practice: flipped bits, a cut-off tail, stray bytes, a zeroed range (the
 * .msg that aborted V8 was one), a repeated chunk, and length-like fields
 * overwritten with edge values.
 */
import type { Rng } from './prng.js';

export interface Mutation {
  bytes: Buffer;
  /** What was done, precisely enough to read in a failure report. */
  what: string;
}

export type ByteMutator = (input: Buffer, rng: Rng) => Mutation;

/** A range length: mostly small, sometimes large, never past `max`. */
function span(rng: Rng, max: number): number {
  const scale = rng.pick([8, 64, 512, 4096, 65536]);
  return Math.max(1, Math.min(max, rng.int(1, scale)));
}

const flip: ByteMutator = (input, rng) => {
  const out = Buffer.from(input);
  const at: number[] = [];
  for (let n = rng.int(1, 8); n > 0 && out.length; n--) {
    const i = rng.int(0, out.length - 1);
    out[i] = out[i]! ^ (1 << rng.int(0, 7));
    at.push(i);
  }
  return { bytes: out, what: `flip a bit at ${at.join(', ')}` };
};

const truncate: ByteMutator = (input, rng) => {
  const keep = rng.int(0, Math.max(0, input.length - 1));
  return { bytes: input.subarray(0, keep), what: `truncate to ${keep} of ${input.length} bytes` };
};

/** Bytes parsers treat specially: NUL, high bit, delimiters of text formats. */
const SPECIAL = [0x00, 0xff, 0x7f, 0x80, 0x0a, 0x0d, 0x22, 0x3c, 0x3e, 0x25, 0x5c, 0x7b, 0x7d];

const insert: ByteMutator = (input, rng) => {
  const at = rng.int(0, input.length);
  const n = rng.int(1, 64);
  const extra = rng.chance(0.5) ? rng.bytes(n) : Buffer.alloc(n, rng.pick(SPECIAL));
  return {
    bytes: Buffer.concat([input.subarray(0, at), extra, input.subarray(at)]),
    what: `insert ${n} bytes (${extra.subarray(0, 8).toString('hex')}…) at ${at}`,
  };
};

const zero: ByteMutator = (input, rng) => {
  const out = Buffer.from(input);
  const n = span(rng, out.length);
  const at = rng.int(0, out.length - n);
  out.fill(0, at, at + n);
  return { bytes: out, what: `zero ${n} bytes at ${at}` };
};

const duplicate: ByteMutator = (input, rng) => {
  const n = span(rng, input.length);
  const from = rng.int(0, input.length - n);
  const to = rng.int(0, input.length);
  const chunk = input.subarray(from, from + n);
  const times = rng.pick([1, 1, 2, 16]);
  const copies = Buffer.concat(Array.from({ length: times }, () => chunk));
  return {
    bytes: Buffer.concat([input.subarray(0, to), copies, input.subarray(to)]),
    what: `copy ${n} bytes from ${from} to ${to}${times > 1 ? ` ${times} times` : ''}`,
  };
};

/** Values that break size and offset fields: 0, -1, the sign bit, one past a boundary. */
const EDGE = [0, 0xffffffff, 0x7fffffff, 0x80000000, 0xffff, 0x10000, 1];

const overwrite: ByteMutator = (input, rng) => {
  const out = Buffer.from(input);
  const width = rng.pick([1, 2, 4].filter((w) => w <= out.length));
  const at = rng.int(0, out.length - width);
  const value = (rng.pick(EDGE) & (width === 4 ? 0xffffffff : width === 2 ? 0xffff : 0xff)) >>> 0;
  if (width === 4) out.writeUInt32LE(value, at);
  else if (width === 2) out.writeUInt16LE(value, at);
  else out[at] = value;
  return { bytes: out, what: `overwrite ${width} byte(s) at ${at} with 0x${value.toString(16)}` };
};

export const BYTE_MUTATORS: Record<string, ByteMutator> = { flip, truncate, insert, zero, duplicate, overwrite };

/** An empty file has no bytes to flip or zero: only an insertion changes it. */
export function mutateBytes(input: Buffer, rng: Rng): Mutation & { mutator: string } {
  const names = input.length ? Object.keys(BYTE_MUTATORS) : ['insert'];
  const mutator = rng.pick(names);
  return { mutator, ...BYTE_MUTATORS[mutator]!(input, rng) };
}
