/**
 * Case 16: the dashboard's own frames (issue 14, Performance). The window in
 * real Chromium (headless, /usr/bin/chromium), served by the same core
 * through the browser bridge as `npm run serve` serves it, on a database of
 * 100,000 jobs, while 10,000 small files run through a pool of ONE thread
 * (so the page keeps a core of its own), the list scrolled by the wheel
 * all along, as a person reading it while work runs would.
 *
 * Measured through the Chrome DevTools Protocol, in one window of time:
 * - the time between frames: requestAnimationFrame deltas in the page, and
 *   the compositor's frames from a trace (devtools.timeline categories);
 * - the page's longest task: the longest RunTask on the page's main thread
 *   in the trace, and the longest busy stretch of a CPU profile (Profiler
 *   domain), with the functions that took the most of it;
 * - the long animation frames Chromium itself reports, with their scripts.
 * Then the first rows of the list after a reload, several times while the
 * work still runs, and which queries the page sent to show them.
 */
import type { CDPSession, Page } from '@playwright/test';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { JobStore } from '../main/core/store/job-store.js';
import { emit, fillJobs, freshDb, ROOT, say, sleep, tmp, type Opts } from './lib.js';

const STATIC_DIR = path.join(ROOT, 'dist', 'renderer');
const SERVE = path.join(ROOT, 'dist', 'serve.cjs');
const CHROMIUM = process.env.QUARRY_CHROMIUM ?? '/usr/bin/chromium';
const TRACE_CATEGORIES = ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'disabled-by-default-devtools.timeline.frame', 'toplevel'].join(',');
/** CPU profile sampling interval, µs: fine enough for a 50 ms task, light enough not to make one. */
const SAMPLE_US = 500;

/**
 * Installed before the page's own scripts: when the first job row appears
 * (performance.now(): from the start of the navigation), requestAnimationFrame
 * timestamps while recording, and Chromium's long-animation-frame entries.
 */
const PROBE = `(() => {
  const p = (window.__probe = { firstRows: null, frames: [], loaf: [], recording: false });
  new MutationObserver((_, obs) => {
    if (document.querySelector('tr.job-row[data-job-id]')) { p.firstRows = performance.now(); obs.disconnect(); }
  }).observe(document, { childList: true, subtree: true });
  try {
    new PerformanceObserver((list) => {
      if (!p.recording) return;
      for (const e of list.getEntries())
        p.loaf.push({ duration: e.duration, blocking: e.blockingDuration,
          scripts: (e.scripts || []).map((s) => ({ fn: s.sourceFunctionName, invoker: s.invoker, url: s.sourceURL, pos: s.sourceCharPosition, ms: s.duration })) });
    }).observe({ type: 'long-animation-frame' });
  } catch {}
  p.start = () => {
    p.recording = true; p.frames = []; p.loaf = [];
    const tick = (t) => { if (!p.recording) return; p.frames.push(t); requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
  };
  p.stop = () => { p.recording = false; return { frames: p.frames, loaf: p.loaf }; };
})();`;

/** What PROBE leaves in the page (the evaluated functions below run there: no closure over this module). */
interface Probe {
  firstRows: number | null;
  start(): void;
  stop(): { frames: number[]; loaf: LongFrame[] };
}
type Probed = { __probe?: Probe };

interface TraceEvent {
  name: string;
  ph: string;
  ts: number;
  dur?: number;
  /** Thread time (CPU), µs: what the task cost, whatever the machine's load stretched its wall time to. */
  tdur?: number;
  pid: number;
  tid: number;
  args?: { name?: string; data?: Record<string, unknown> };
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
}
interface CpuProfile {
  startTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

interface LongFrame {
  duration: number;
  blocking: number;
  scripts: Array<{ fn: string; invoker: string; url: string; pos: number; ms: number }>;
}

export function percentile(xs: readonly number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

const r1 = (x: number) => Math.round(x * 10) / 10;
const deltas = (ts: readonly number[]) => ts.slice(1).map((t, i) => t - ts[i]!);

/** 100,000 jobs as a long-used Quarry has them, all finished (the filler's newest are pending: they would run). */
function makeDatabase(rows: number): string {
  const dbPath = freshDb('page-frames');
  const store = JobStore.open(dbPath);
  fillJobs(store, rows);
  // Through running, as the store's transition rules want.
  store.db.exec(`UPDATE jobs SET status = 'running', started_at = created_at + 100, lease_expires_at = created_at + 60000 WHERE status = 'pending'`);
  store.db
    .exec(`UPDATE jobs SET status = 'completed', format = CASE WHEN file_name LIKE '%.pdf' THEN 'pdf' WHEN file_name LIKE '%.html' THEN 'html' WHEN file_name LIKE '%.csv' THEN 'csv' WHEN file_name LIKE '%.json' THEN 'json' ELSE 'text' END, total = 3, processed = 3, successful = 3,
                   result_summary = json_object('items', 3, 'chars', 1200, 'pages', 2), completed_at = started_at + 300, updated_at = started_at + 300, lease_expires_at = NULL
                 WHERE status = 'running'`);
  store.db.pragma('wal_checkpoint(TRUNCATE)');
  store.db.exec('ANALYZE');
  store.close();
  return dbPath;
}

function makeFiles(n: number, name: string): string {
  const dir = path.join(tmp(), name);
  for (let i = 0; i < n; i++) {
    const sub = path.join(dir, `part-${String(Math.floor(i / 1000)).padStart(2, '0')}`);
    if (i % 1000 === 0) mkdirSync(sub, { recursive: true });
    writeFileSync(path.join(sub, `${name}-${String(i).padStart(5, '0')}.txt`), `${name} ${i}\nsome words to extract, line two of ${name} ${i}\n`);
  }
  return dir;
}

/** The trace's first and last timestamps, µs (the clock CPU profiles use too). */
function traceSpan(events: readonly TraceEvent[]): { from: number; to: number } {
  let from = Infinity;
  let to = -Infinity;
  for (const e of events) {
    if (e.ph === 'M' || !e.ts) continue;
    from = Math.min(from, e.ts);
    to = Math.max(to, e.ts + (e.dur ?? 0));
  }
  return { from, to };
}

/** Where the page's long tasks (over 50 ms) spent their time, by trace event (nested events count in their parents too). */
function longTaskParts(events: readonly TraceEvent[], on: (e: TraceEvent) => boolean, long: readonly TraceEvent[]): string[] {
  const parts = new Map<string, number>();
  let layoutObjects = 0;
  for (const task of long) {
    const end = task.ts + (task.dur ?? 0);
    for (const e of events) {
      if (e.ph !== 'X' || !on(e) || e === task || e.ts < task.ts || e.ts + (e.dur ?? 0) > end || !PARTS.has(e.name)) continue;
      parts.set(e.name, (parts.get(e.name) ?? 0) + (e.dur ?? 0) / 1000);
      const begin = (e.args as { beginData?: { totalObjects?: number } } | undefined)?.beginData;
      if (e.name === 'Layout' && begin?.totalObjects) layoutObjects = Math.max(layoutObjects, begin.totalObjects);
    }
  }
  return [
    ...[...parts].sort((a, b) => b[1] - a[1]).map(([k, ms]) => `${k} ${r1(ms)} ms`),
    ...(layoutObjects ? [`largest layout: ${layoutObjects.toLocaleString('en')} objects`] : []),
  ];
}
const PARTS = new Set([
  'FunctionCall',
  'EventDispatch',
  'TimerFire',
  'FireAnimationFrame',
  'RunMicrotasks',
  'UpdateLayoutTree',
  'Layout',
  'PrePaint',
  'Paint',
  'Layerize',
  'Commit',
  'HitTest',
  'ScrollLayer',
  'MajorGC',
  'MinorGC',
  'ParseHTML',
  'EvaluateScript',
]);

/** The page's main thread in a trace: the renderer main thread that did the most work. */
function pageThread(events: readonly TraceEvent[]): string | undefined {
  const names = new Map<string, string>();
  for (const e of events) if (e.ph === 'M' && e.name === 'thread_name') names.set(`${e.pid}:${e.tid}`, e.args?.name ?? '');
  const busy = new Map<string, number>();
  for (const e of events) {
    const k = `${e.pid}:${e.tid}`;
    if (e.ph === 'X' && e.name === 'RunTask' && names.get(k) === 'CrRendererMain') busy.set(k, (busy.get(k) ?? 0) + (e.dur ?? 0));
  }
  return [...busy].sort((a, b) => b[1] - a[1])[0]?.[0];
}

/** The longest task of the page's main thread, what filled it, and the compositor's frames of that renderer. */
function analyzeTrace(events: readonly TraceEvent[]) {
  const main = pageThread(events);
  if (!main) return undefined;
  const on = (e: TraceEvent) => `${e.pid}:${e.tid}` === main;
  const tasks = events.filter((e) => e.ph === 'X' && e.name === 'RunTask' && on(e));
  const longest = tasks.reduce((a, b) => ((b.dur ?? 0) > (a.dur ?? 0) ? b : a));
  const end = longest.ts + (longest.dur ?? 0);
  // What the longest task was made of: the biggest events inside it, named as the Performance panel names them.
  const inside = events
    .filter((e) => e.ph === 'X' && on(e) && e !== longest && e.ts >= longest.ts && e.ts + (e.dur ?? 0) <= end && (e.dur ?? 0) > 1000)
    .sort((a, b) => (b.dur ?? 0) - (a.dur ?? 0))
    .slice(0, 8)
    .map((e) => {
      const d = e.args?.data ?? {};
      const what = [d.functionName, d.type, d.url && String(d.url).split('/').pop()].filter(Boolean).join(' ');
      return `${e.name}${what ? ` (${what})` : ''} ${r1((e.dur ?? 0) / 1000)} ms`;
    });
  const pid = Number(main.split(':')[0]);
  const draws = events
    .filter((e) => e.pid === pid && e.name === 'DrawFrame')
    .map((e) => e.ts / 1000)
    .sort((a, b) => a - b);
  const taskMs = tasks.map((t) => (t.dur ?? 0) / 1000);
  const long = tasks.filter((t) => (t.dur ?? 0) > 50_000);
  // CPU (thread time) of the whole window, by event: what the page costs, whatever the load.
  const cpu = new Map<string, number>();
  for (const e of events) if (e.ph === 'X' && on(e) && PARTS.has(e.name)) cpu.set(e.name, (cpu.get(e.name) ?? 0) + (e.tdur ?? 0) / 1000);
  const cpuTop = [...cpu]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(([k, ms]) => `${k} ${Math.round(ms)} ms`);
  const cpuTotalMs = tasks.reduce((a, t) => a + (t.tdur ?? 0), 0) / 1000;
  const cpuLongest = tasks.reduce((a, b) => ((b.tdur ?? 0) > (a.tdur ?? 0) ? b : a));
  return {
    parts: longTaskParts(events, on, long),
    cpuTop,
    cpuTotalMs,
    longestMs: (longest.dur ?? 0) / 1000,
    longestCpuMs: (longest.tdur ?? 0) / 1000,
    mostCpuMs: (cpuLongest.tdur ?? 0) / 1000,
    mostCpuWallMs: (cpuLongest.dur ?? 0) / 1000,
    over50Cpu: tasks.filter((t) => (t.tdur ?? 0) > 50_000).length,
    inside,
    tasks: tasks.length,
    over50: taskMs.filter((t) => t > 50).length,
    busyMs: taskMs.reduce((a, b) => a + b, 0),
    drawDeltas: deltas(draws),
  };
}

/** The longest stretch of non-idle samples (tasks back to back merge: at least the longest task), and where the time went. */
function analyzeProfile(profile: CpuProfile, span: { from: number; to: number }) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let run = 0;
  let longest = 0;
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i] ?? 0;
    // Only the measured window (the trace's, on the same clock): not the profiler's own start.
    if (at < span.from || at > span.to) continue;
    const f = byId.get(profile.samples[i]!)!.callFrame;
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    const file = f.url ? ` ${f.url.split('/').pop()}:${f.lineNumber + 1}:${f.columnNumber + 1}` : '';
    const key = `${f.functionName || '(anonymous)'}${file}`;
    self.set(key, (self.get(key) ?? 0) + ms);
    if (f.functionName === '(idle)') run = 0;
    else longest = Math.max(longest, (run += ms));
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const idle = self.get('(idle)') ?? 0;
  const top = [...self]
    .filter(([k]) => k !== '(idle)')
    .sort((a, b) => b[1] - a[1])
    .slice(0, 10)
    .map(([k, ms]) => `${k} ${r1(ms)} ms`);
  return { longestMs: longest, busyShare: total ? 1 - idle / total : 0, top };
}

/**
 * The control for the compositor's frames: the same scrolling for as long,
 * with the engine idle (no work, no events). Headless Chromium composites in
 * software here, so DrawFrame's pace is partly this machine's, whatever the
 * page does; the control shows that part, as the pool-scaling case's control
 * shows what the cores give.
 */
async function idleDraws(page: Page, ms: number): Promise<number[]> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Tracing.start', { categories: TRACE_CATEGORIES, transferMode: 'ReportEvents' });
  const start = Date.now();
  await scrollList(page, () => Date.now() - start >= ms);
  const events = await collectTrace(cdp);
  await cdp.detach();
  return analyzeTrace(events)?.drawDeltas ?? [];
}

/** Scrolls the list with the wheel (and, now and then, a jump as a scrollbar drag makes) until `done()`. */
async function scrollList(page: Page, done: () => boolean): Promise<number> {
  const list = page.locator('.jobs-panel .table-scroll');
  const box = await list.boundingBox();
  if (box) await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  let steps = 0;
  let dir = 1;
  while (!done()) {
    await page.mouse.wheel(0, dir * 180);
    steps++;
    if (steps % 60 === 0) await list.evaluate((el, f) => (el.scrollTop = f * el.scrollHeight), Math.random());
    if (steps % 150 === 0) dir = -dir;
    await sleep(40);
  }
  return steps;
}

async function collectTrace(cdp: CDPSession): Promise<TraceEvent[]> {
  const events: TraceEvent[] = [];
  cdp.on('Tracing.dataCollected', (d) => events.push(...(d.value as unknown as TraceEvent[])));
  const complete = new Promise<void>((resolve) => cdp.once('Tracing.tracingComplete', () => resolve()));
  await cdp.send('Tracing.end');
  await complete;
  return events;
}

/** Reloads and times the first job row; counts the contract calls the page made to show it. */
async function reloadAndTime(page: Page, settleMs: number): Promise<{ ms: number; calls: Record<string, number> }> {
  const calls: Record<string, number> = {};
  const onRequest = (r: { url(): string }) => {
    const m = /\/api\/invoke\/([\w.]+)/.exec(r.url());
    if (m) calls[m[1]!] = (calls[m[1]!] ?? 0) + 1;
  };
  page.on('request', onRequest);
  await page.reload({ waitUntil: 'commit' });
  await page.waitForFunction(() => (window as unknown as Probed).__probe?.firstRows != null, null, { timeout: 60_000, polling: 50 });
  const ms = (await page.evaluate(() => (window as unknown as Probed).__probe!.firstRows)) as number;
  // The opening's other calls (counts, batches) come within a moment.
  await sleep(settleMs);
  page.off('request', onRequest);
  return { ms, calls };
}

interface Served {
  url: string;
  origin: string;
  token: string;
  stop(): Promise<void>;
}

/** `dist/serve.cjs` on the database, one job at a time (so one pool thread): the engine and the bridge in a process of their own, as `npm run serve` runs them. */
function serve(dbPath: string, data: string): Promise<Served> {
  const child = spawn(process.execPath, [SERVE, '--data', data, '--db', dbPath, '--port', '0', '--concurrency', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stderr.on('data', (d) => (out += d));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${out}`)));
    child.stdout.on('data', (d) => {
      out += d;
      const m = /Quarry dashboard: (\S+)/.exec(out);
      if (!m) return;
      const url = new URL(m[1]!);
      child.removeAllListeners('exit');
      resolve({
        url: url.href,
        origin: url.origin,
        token: url.searchParams.get('token')!,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    });
  });
}

function client(s: Served) {
  return async (channel: string, input: unknown): Promise<any> => {
    const res = await fetch(`${s.origin}/api/invoke/${channel}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(input),
    });
    if (!res.ok) throw new Error(`${channel}: ${res.status} ${await res.text()}`);
    return res.json();
  };
}

export async function pageFrames(o: Opts): Promise<void> {
  const { rows, files, seconds, reloads } = o as { rows: number; files: number; seconds: number; reloads: number };
  const skip = (why: string) => emit({ key: 'page.frames.raf', label: 'time between frames', unit: 'ms', better: 'lower', samples: [], skipped: why });
  if (!existsSync(path.join(STATIC_DIR, 'index.html')) || !existsSync(SERVE)) return skip('dist/ is missing: run "node scripts/build.mjs"');
  if (!existsSync(CHROMIUM)) return skip(`no Chromium at ${CHROMIUM} (QUARRY_CHROMIUM names another)`);

  const dbPath = makeDatabase(rows);
  // One folder runs during the frames' window, the other during the reloads.
  const dropFrames = makeFiles(files, 'frames');
  const dropReloads = makeFiles(files, 'reloads');
  say(`database of ${rows.toLocaleString('en')} jobs and ${files.toLocaleString('en')} small files ready`);
  const served = await serve(dbPath, path.join(tmp(), 'data'));
  const invoke = client(served);
  /** Jobs not finished yet (pending or running). */
  const unfinished = async (): Promise<number> => (await invoke('list.query', { filter: { status: ['pending', 'running'] }, limit: 0 })).total;
  // Loaded here, not at the top: every case's process loads this module, and Playwright alone adds about
  // 74 MB of RSS, which case 7 would count as Quarry's.
  const { chromium } = await import('@playwright/test');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.addInitScript({ content: PROBE });
    await page.goto(served.url);
    try {
      await page.waitForFunction(() => (window as unknown as Probed).__probe?.firstRows != null, null, { timeout: 60_000 });
    } catch (err) {
      const shot = path.join(tmp(), 'no-rows.png');
      await page.screenshot({ path: shot }).catch(() => {});
      say(`no job row after 60 s (see ${shot})`);
      throw err;
    }
    const idleOpen = await reloadAndTime(page, 1500);
    say(`first rows on an idle engine: ${r1(idleOpen.ms)} ms; calls: ${JSON.stringify(idleOpen.calls)}`);

    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: SAMPLE_US });
    // Starting the profiler stops the page for a while (V8 logs every compiled function): before the window, not in it.
    await cdp.send('Profiler.start');
    await sleep(1000);
    await cdp.send('Tracing.start', { categories: TRACE_CATEGORIES, transferMode: 'ReportEvents' });
    await page.evaluate(() => (window as unknown as Probed).__probe!.start());
    // The pushed events the page receives in the window (Server-Sent Events, as the network sees them).
    let eventsReceived = 0;
    const countEvent = () => void eventsReceived++;
    await cdp.send('Network.enable');
    cdp.on('Network.eventSourceMessageReceived', countEvent);
    // The window: from the drop (as "Add folder" makes it) until the files are done, at most `seconds`.
    const windowStart = Date.now();
    let workMs = 0;
    let addMs = 0;
    let stopPolling = false;
    const work = (async () => {
      await invoke('jobs.addPaths', { paths: [dropFrames] });
      addMs = Date.now() - windowStart;
      while (!stopPolling && (await unfinished()) > 0) await sleep(250);
      if (!stopPolling) workMs = Date.now() - windowStart;
    })();
    const steps = await scrollList(page, () => workMs > 0 || Date.now() - windowStart >= seconds * 1000);
    stopPolling = true;
    await work;
    const windowMs = Date.now() - windowStart;
    cdp.off('Network.eventSourceMessageReceived', countEvent);
    const left = await unfinished();
    const { frames, loaf } = await page.evaluate(() => (window as unknown as Probed).__probe!.stop());
    const events = await collectTrace(cdp);
    const { profile } = (await cdp.send('Profiler.stop')) as unknown as { profile: CpuProfile };
    // For a closer look in DevTools' Performance panel (QUARRY_BENCH_TRACE=file.json).
    if (process.env.QUARRY_BENCH_TRACE) writeFileSync(process.env.QUARRY_BENCH_TRACE, JSON.stringify({ traceEvents: events }));
    await cdp.detach();
    while ((await unfinished()) > 0) await sleep(250);
    const control = await idleDraws(page, windowMs);

    // The reloads, while the other folder runs.
    await invoke('jobs.addPaths', { paths: [dropReloads] });
    const reloadsDone: Array<{ ms: number; calls: Record<string, number>; running: boolean }> = [];
    for (let i = 0; i < reloads; i++) {
      const r = await reloadAndTime(page, i === 0 ? 1500 : 300);
      reloadsDone.push({ ...r, running: (await unfinished()) > 0 });
    }

    const raf = deltas(frames);
    const trace = analyzeTrace(events);
    const prof = analyzeProfile(profile, traceSpan(events));
    const info = {
      rows,
      files,
      seconds: r1(windowMs / 1000),
      workSeconds: workMs ? r1(workMs / 1000) : null,
      scrollSteps: steps,
      addPathsMs: addMs,
      finishedInWindow: files - left,
      eventsReceived,
      pageErrors,
    };
    emit({
      key: 'page.frames.raf',
      label: 'time between frames, p95 (requestAnimationFrame in the page)',
      unit: 'ms',
      better: 'lower',
      samples: [percentile(raf, 95)],
      info: {
        ...info,
        frames: raf.length,
        median: r1(percentile(raf, 50)),
        p99: r1(percentile(raf, 99)),
        max: r1(Math.max(...raf)),
        over50: raf.filter((d) => d > 50).length,
      },
    });
    if (trace?.drawDeltas.length)
      emit({
        key: 'page.frames.draw',
        label: 'time between frames, p95 (DrawFrame in the trace)',
        unit: 'ms',
        better: 'lower',
        samples: [percentile(trace.drawDeltas, 95)],
        info: {
          frames: trace.drawDeltas.length,
          median: r1(percentile(trace.drawDeltas, 50)),
          max: r1(Math.max(...trace.drawDeltas)),
          ...(control.length ? { control: { frames: control.length, p95: r1(percentile(control, 95)), median: r1(percentile(control, 50)) } } : {}),
        },
      });
    if (trace)
      emit({
        key: 'page.longtask.trace',
        label: "the page's longest task (trace, RunTask on its main thread)",
        unit: 'ms',
        better: 'lower',
        samples: [trace.longestMs],
        info: {
          inside: trace.inside,
          parts: trace.parts,
          longestCpuMs: r1(trace.longestCpuMs),
          mostCpuMs: r1(trace.mostCpuMs),
          mostCpuWallMs: r1(trace.mostCpuWallMs),
          over50Cpu: trace.over50Cpu,
          cpuTotalMs: Math.round(trace.cpuTotalMs),
          cpuTop: trace.cpuTop,
          tasks: trace.tasks,
          over50: trace.over50,
          busyShare: r1((trace.busyMs / windowMs) * 100),
        },
      });
    if (trace)
      emit({
        key: 'page.longtask.cpu',
        label: "the page's longest task in CPU time (trace, thread time)",
        unit: 'ms',
        better: 'lower',
        samples: [trace.mostCpuMs],
        info: { wallMs: r1(trace.mostCpuWallMs) },
      });
    emit({
      key: 'page.longtask.profile',
      label: "the page's longest busy stretch (CPU profile)",
      unit: 'ms',
      better: 'lower',
      samples: [prof.longestMs],
      info: {
        top: prof.top,
        busyShare: r1(prof.busyShare * 100),
        longFrames: loaf.length,
        longestFrames: loaf
          .sort((a, b) => b.duration - a.duration)
          .slice(0, 3)
          .map((f) => ({
            ms: r1(f.duration),
            blocking: r1(f.blocking),
            scripts: f.scripts.slice(0, 3).map((s) => `${s.invoker} ${s.fn}@${s.pos} ${r1(s.ms)} ms`),
          })),
      },
    });
    emit({
      key: 'page.firstRows',
      label: 'first rows of the list after a reload',
      unit: 'ms',
      better: 'lower',
      samples: reloadsDone.map((r) => r.ms),
      info: {
        idleMs: r1(idleOpen.ms),
        idleCalls: idleOpen.calls,
        calls: reloadsDone.map((r) => r.calls),
        whileRunning: reloadsDone.filter((r) => r.running).length,
      },
    });
  } finally {
    await browser.close();
    await served.stop();
  }
}
