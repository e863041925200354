/**
 * Mutant number `index` of a format, for a seed: always the same bytes for
 * the same (seed, format, index) and corpus, whatever else is generated, so
 * one case can be made again alone.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { mutateBytes } from './mutate-bytes.js';
import { mutateXml } from './mutate-xml.js';
import { Rng } from './prng.js';
import type { Seed } from './seeds.js';
import { readZip, writeStoredZip, type ZipEntry } from './zip-stored.js';

export interface Mutant {
  format: string;
  index: number;
  /** The file's name: unique in a run (crash reports name files by it). */
  name: string;
  seed: Seed;
  /** e.g. "zero", "xml:deep-nesting" (a part of a ZIP), "markup:truncate" (an HTML or XML file). */
  mutator: string;
  /** Exactly what changed. */
  what: string;
  bytes: Buffer;
}

const isZip = (b: Buffer) => b.length >= 4 && b.readUInt32LE(0) === 0x04034b50;
/** Parts worth damaging as text: the document's own XML. */
const XML_PART = /\.(xml|rels|xhtml|html?|opf|ncx|svg)$/i;
/** Files that are markup themselves get the same damage half the time. */
const MARKUP = /\.(xml|xhtml|html?|svg)$/i;

export async function makeMutant(runSeed: number, format: string, index: number, seeds: readonly Seed[]): Promise<Mutant> {
  const rng = Rng.for(runSeed, format, index);
  // Round robin: every seed of the format gets its share.
  const seed = seeds[index % seeds.length]!;
  const original = readFileSync(seed.abs);
  const inner = isZip(original) && rng.chance(0.5) ? await mutateInner(original, rng) : null;
  const markup = !inner && MARKUP.test(seed.rel) && rng.chance(0.5) ? markupChange(original, rng) : null;
  const done = inner ?? markup ?? mutateBytes(original, rng);
  const name = `${format}-${String(index).padStart(4, '0')}-${done.mutator.replace(':', '-')}-${path.basename(seed.rel)}`;
  return { format, index, name, seed, mutator: done.mutator, what: done.what, bytes: done.bytes };
}

/** One part of the ZIP damaged, the container rebuilt around it; null when the ZIP cannot be read. */
async function mutateInner(zip: Buffer, rng: Rng): Promise<{ mutator: string; what: string; bytes: Buffer } | null> {
  const entries = await readZip(zip);
  const files = entries?.filter((e) => !e.name.endsWith('/')) ?? [];
  if (!entries || !files.length) return null;
  const xml = files.filter((e) => XML_PART.test(e.name));
  const pool = xml.length ? xml : files;
  // Half the time the largest part: the document body (word/document.xml, a sheet, content.xml), not its metadata.
  const target = rng.chance(0.5) ? pool.reduce((a, b) => (b.data.length > a.data.length ? b : a)) : rng.pick(pool);
  const change = xml.length ? xmlChange(target, rng) : entryChange(target, rng);
  const replaced: ZipEntry[] = entries.map((e) => (e === target ? { name: e.name, data: change.data } : e));
  return { mutator: change.mutator, what: `${target.name}: ${change.what} (rezipped, stored)`, bytes: writeStoredZip(replaced) };
}

function markupChange(bytes: Buffer, rng: Rng) {
  const m = mutateXml(bytes.toString('utf8'), rng);
  return { mutator: `markup:${m.mutator}`, what: m.what, bytes: Buffer.from(m.text, 'utf8') };
}

function xmlChange(entry: ZipEntry, rng: Rng) {
  const m = mutateXml(entry.data.toString('utf8'), rng);
  return { mutator: `xml:${m.mutator}`, what: m.what, data: Buffer.from(m.text, 'utf8') };
}

function entryChange(entry: ZipEntry, rng: Rng) {
  const m = mutateBytes(entry.data, rng);
  return { mutator: `entry:${m.mutator}`, what: m.what, data: m.bytes };
}
