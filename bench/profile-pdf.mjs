#!/usr/bin/env node
// Where the time goes for one file through Quarry's built extractor
// (dist/workers/extract.mjs), in a worker thread like the pool's: warms up,
// then times `--runs` extractions and, with --cpu-prof, writes a V8 CPU
// profile of the timed runs and prints the functions with the most self time
// (the worker runs with the heap limits of Quarry's pool threads: V8's young
// generation, an old generation of 1 GB; --young=N caps the young generation).
//
//   node bench/profile-pdf.mjs ../shared/corpus/pdf/TAMReview.pdf [--runs=10] [--cpu-prof] [--young=N|default] [--ocr=off] [--compare]
//
// --compare times, interleaved in the same worker, pdftotext, pdf.js alone
// (loading the document and reading each page's text: the floor of any
// pdf.js extractor), pdf.js with the annotations, and Quarry's whole
// extraction, as ratios to pdftotext.
//
// With --cpu-prof it also prints the time spent under a few pdf.js and Quarry
// functions (inclusive: their callees count), the "where the time goes" that
// bench/RESULTS.md quotes for the slowest PDF.
import { Session } from 'node:inspector/promises';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = path.resolve(import.meta.dirname, '..');
const DONE = '@@done';

if (isMainThread) {
  const args = process.argv.slice(2);
  const opt = (n, d) => args.find((a) => a.startsWith(`--${n}=`))?.split('=')[1] ?? d;
  const file = path.resolve(args.find((a) => !a.startsWith('--')) ?? path.join(ROOT, '..', 'shared', 'corpus', 'pdf', 'TAMReview.pdf'));
  const young = opt('young', 'default');
  const worker = new Worker(new URL(import.meta.url), {
    workerData: {
      file,
      runs: Number(opt('runs', 10)),
      profile: args.includes('--cpu-prof'),
      compare: args.includes('--compare'),
      options: opt('ocr', 'on') === 'off' ? { ocr: false } : {},
      extractor: pathToFileURL(path.join(ROOT, 'dist', 'workers', 'extract.mjs')).href,
    },
    resourceLimits: { maxOldGenerationSizeMb: 1024, ...(young === 'default' ? {} : { maxYoungGenerationSizeMb: Number(young) }) },
  });
  // The OCR engine's own thread keeps the worker alive once it has read a scan: the worker says when it is done.
  worker.on('message', (m) => (m === DONE ? void worker.terminate() : console.log(m)));
  worker.on('error', (e) => console.error(e));
} else {
  const { file, runs, profile, extractor, options, compare } = workerData;
  const { default: extract } = await import(extractor);
  const once = async () => {
    const t0 = performance.now();
    const out = await extract({ path: file, options });
    if (!out.ok) throw new Error(out.error.message);
    return performance.now() - t0;
  };
  for (let i = 0; i < 5; i++) await once();
  if (compare) parentPort.postMessage(await stages(file, runs, once));
  else await profileRuns(file, runs, profile, once);
  parentPort.postMessage(DONE);
}

/** The timed runs, and with --cpu-prof their profile. */
async function profileRuns(file, runs, profile, once) {
  const session = new Session();
  if (profile) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await session.post('Profiler.start');
  }
  const times = [];
  for (let i = 0; i < runs; i++) times.push(await once());
  times.sort((a, b) => a - b);
  parentPort.postMessage(
    `${path.basename(file)}: median ${times[times.length >> 1].toFixed(1)} ms over ${runs} runs (min ${times[0].toFixed(1)}, max ${times.at(-1).toFixed(1)})`,
  );
  if (profile) {
    const { profile: p } = await session.post('Profiler.stop');
    const { writeFileSync } = await import('node:fs');
    const out = path.join(process.cwd(), `${path.basename(file)}.cpuprofile`);
    writeFileSync(out, JSON.stringify(p));
    // Self time per function: samples × interval.
    const dt = (p.endTime - p.startTime) / p.samples.length / 1000;
    const self = new Map();
    const count = new Map();
    for (const id of p.samples) count.set(id, (count.get(id) ?? 0) + 1);
    for (const n of p.nodes) {
      const cf = n.callFrame;
      const k = `${cf.functionName || '(anonymous)'} ${cf.url ? path.basename(cf.url) : ''}:${cf.lineNumber + 1}`;
      self.set(k, (self.get(k) ?? 0) + (count.get(n.id) ?? 0) * dt);
    }
    const total = [...self.values()].reduce((a, b) => a + b, 0);
    const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25);
    // Inclusive time under the functions that make up a PDF's extraction (a function met twice on one stack counts once).
    const phases = ['loadFont', 'getTextContent', 'getOperatorList', 'getAnnotations', 'postMessage', 'layoutText', 'detectTables', 'scannedImages'];
    const parent = new Map();
    for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n);
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    const under = new Map(phases.map((f) => [f, 0]));
    for (const [id, c] of count) {
      const seen = new Set();
      for (let n = byId.get(id); n; n = parent.get(n.id)) seen.add(n.callFrame.functionName);
      for (const f of phases) if (seen.has(f)) under.set(f, under.get(f) + c * dt);
    }
    parentPort.postMessage(`time under (inclusive, per run): ${phases.map((f) => `${f} ${(under.get(f) / runs).toFixed(1)} ms`).join(', ')}`);
    parentPort.postMessage(
      `profile written to ${out}; self time per run, top functions (of ${(total / runs).toFixed(1)} ms):\n` +
        top.map(([k, v]) => `  ${(v / runs).toFixed(2).padStart(7)} ms  ${((v / total) * 100).toFixed(1).padStart(5)}%  ${k}`).join('\n'),
    );
  }
}

/** pdf.js alone, pdf.js with annotations, Quarry, pdftotext: interleaved runs, medians, ratios to pdftotext. */
async function stages(file, runs, quarry) {
  const { spawnSync } = await import('node:child_process');
  const { readFileSync } = await import('node:fs');
  const { createRequire } = await import('node:module');
  const require = createRequire(path.join(ROOT, 'package.json'));
  const pdfjs = await import(pathToFileURL(require.resolve('pdfjs-dist/legacy/build/pdf.mjs')).href);
  const cMapUrl = path.join(path.dirname(require.resolve('pdfjs-dist/package.json')), 'cmaps') + path.sep;
  // The same document options as Quarry's extractor (workers/extractors/pdf/pdf.ts), text only.
  const pdfjsText = async (annotations) => {
    const t0 = performance.now();
    const task = pdfjs.getDocument({
      data: new Uint8Array(readFileSync(file)),
      verbosity: 0,
      isEvalSupported: false,
      disableFontFace: true,
      useSystemFonts: false,
      enableXfa: false,
      stopAtErrors: false,
      isOffscreenCanvasSupported: false,
      disableAutoFetch: true,
      disableStream: true,
      disableRange: true,
      cMapUrl,
      cMapPacked: true,
    });
    const doc = await task.promise;
    for (let n = 1; n <= doc.numPages; n++) {
      const page = await doc.getPage(n);
      await page.getTextContent({ includeMarkedContent: false });
      if (annotations) await page.getAnnotations({ intent: 'display' });
      page.cleanup();
    }
    await task.destroy();
    return performance.now() - t0;
  };
  const pdftotext = () => {
    const t0 = performance.now();
    spawnSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { stdio: ['ignore', 'ignore', 'ignore'] });
    return performance.now() - t0;
  };
  const t = { pdftotext: [], text: [], annotations: [], quarry: [] };
  for (let i = 0; i < runs; i++) {
    t.pdftotext.push(pdftotext());
    t.text.push(await pdfjsText(false));
    t.annotations.push(await pdfjsText(true));
    t.quarry.push(await quarry());
  }
  const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const base = med(t.pdftotext);
  const line = (label, xs) => `  ${label.padEnd(44)} ${med(xs).toFixed(1).padStart(8)} ms  ${(med(xs) / base).toFixed(2)}× pdftotext`;
  return [
    `${path.basename(file)}: medians of ${runs} interleaved runs in one worker thread`,
    line('pdftotext (poppler, a process each run)', t.pdftotext),
    line("pdf.js: load + every page's text", t.text),
    line('pdf.js: load + text + annotations (links)', t.annotations),
    line("Quarry's extractor (all of it, default options)", t.quarry),
  ].join('\n');
}
