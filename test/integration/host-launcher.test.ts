/**
 * The launcher of the extraction host: a message sent to a host that has
 * just died (its pipe closed, `connected` not yet false) must not end the
 * process that holds the jobs. Node emits such a write's EPIPE as an 'error'
 * event of the child, fatal when nobody listens. And what the host answers
 * on that channel: a plain text's markdown travels once.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExtractionHost } from '../../main/core/host/client.js';
import { defaultHostFile, HOST_V8_FLAGS, nodeLauncher, type HostLauncher } from '../../main/core/host/launcher.js';
import type { FromHost } from '../../main/core/host/protocol.js';
import { until } from '../helpers/wait.js';

describe('the host launcher', () => {
  it('a message to a host that has just died is dropped, not thrown at this process', async () => {
    const errors: Error[] = [];
    const onUncaught = (e: Error) => errors.push(e);
    process.on('uncaughtException', onUncaught);
    try {
      const host = nodeLauncher(defaultHostFile(), { maxOldSpaceMb: 256 });
      const exited = new Promise<void>((resolve) => host.onExit(() => resolve()));
      await new Promise((resolve) => setTimeout(resolve, 300));
      host.kill();
      // Let it die without turning the event loop, so the closed pipe is not noticed yet.
      const until = Date.now() + 300;
      while (Date.now() < until);
      for (let i = 0; i < 50; i++) host.send({ type: 'ping', i });
      await exited;
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(errors).toEqual([]);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
  });
});

describe("the host's V8 options", () => {
  it.skipIf(process.platform !== 'linux')('the host process runs with them (its command line in /proc), and its threads extract', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'quarry-host-flags-'));
    const host = new ExtractionHost({ threads: 1 });
    try {
      const txt = path.join(dir, 'note.txt');
      writeFileSync(txt, 'Flags are process-wide: the threads inherit them.\n');
      const out = await host.run({ path: txt, options: {} });
      expect(out.result.text).toContain('process-wide');
      const args = readFileSync(`/proc/${host.pid}/cmdline`, 'utf8').split('\0');
      expect(HOST_V8_FLAGS.length).toBeGreaterThan(0);
      for (const flag of HOST_V8_FLAGS) expect(args).toContain(flag);
    } finally {
      await host.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the host's answers", () => {
  it('a result whose markdown is its text crosses the channel with the text once, and arrives whole', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'quarry-host-pack-'));
    const wire: unknown[] = [];
    // The real launcher, with the messages it receives recorded as they came.
    const launcher: HostLauncher = (file, opts) => {
      const proc = nodeLauncher(file, opts);
      return { ...proc, pid: proc.pid, onMessage: (listener) => proc.onMessage((m) => (wire.push(structuredClone(m)), listener(m))) };
    };
    const host = new ExtractionHost({ threads: 1, launcher });
    try {
      const txt = path.join(dir, 'note.txt');
      writeFileSync(txt, 'A plain note.\nIts second line.\n');
      const csv = path.join(dir, 'table.csv');
      writeFileSync(csv, 'name,price\napple,1.25\npear,2.50\n');
      const [a, b] = await Promise.all([host.run({ path: txt, options: {} }, { small: true }), host.run({ path: csv, options: {} }, { small: true })]);
      expect(a.result.text).toContain('Its second line.');
      expect(a.result.markdown).toBe(a.result.text);
      expect(b.result.markdown).not.toBe(b.result.text);
      expect(b.result.markdown).toContain('apple');
      const done = (wire as FromHost[][]).flat().filter((m): m is Extract<FromHost, { t: 'done' }> => m.t === 'done' && 'result' in m.outcome);
      expect(done).toHaveLength(2);
      const sent = (m: Extract<FromHost, { t: 'done' }>) => (m.outcome as { result: { text: string; markdown: string } }).result;
      const [wa, wb] = [done.find((m) => sent(m).text === a.result.text)!, done.find((m) => sent(m).text === b.result.text)!];
      expect([wa.markdownIsText, sent(wa).markdown]).toEqual([true, '']);
      expect([wb.markdownIsText, sent(wb).markdown]).toEqual([undefined, b.result.markdown]);
    } finally {
      await host.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a call marked alone', () => {
  it('holds the calls behind it until it is done, and runs only once the host is empty', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'quarry-host-alone-'));
    const log = path.join(dir, 'log');
    writeFileSync(log, '');
    const chaos = path.resolve(import.meta.dirname, '../fixtures/workers/chaos.cjs');
    const host = new ExtractionHost({ filename: chaos, threads: 2 });
    const run = (tag: string, alone: boolean) => host.run({ path: path.join(dir, tag), options: { tag, log, mode: 'slow', steps: 3, stepMs: 30 } }, { alone });
    try {
      const first = [run('a', false), run('b', false), run('suspect', true)];
      // Calls made while it runs wait for it too.
      await until(() => readFileSync(log, 'utf8').includes('start suspect'));
      await Promise.all([...first, run('c', false), run('d', false)]);
      const lines = readFileSync(log, 'utf8')
        .trim()
        .split('\n')
        .map((l) => l.split(' ').slice(0, 2).join(' '));
      const start = lines.indexOf('start suspect');
      // Nothing else in the host while it ran: a and b ended before, c and d started after.
      expect(lines[start + 1]).toBe('end suspect');
      expect(
        lines
          .slice(0, start)
          .filter((l) => l.startsWith('end'))
          .sort(),
      ).toEqual(['end a', 'end b']);
      expect(
        lines
          .slice(start + 2)
          .filter((l) => l.startsWith('start'))
          .sort(),
      ).toEqual(['start c', 'start d']);
    } finally {
      await host.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
