/**
 * `quarry worker` (take extraction tasks from Redis on this machine),
 * `quarry workers` (who is working), and the options with which `quarry
 * run` hands work to them (--redis, --local-threads, --worker-token...).
 */
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { VERSION } from './app-context.js';
import { redact, redisClient, redisConfig } from './core/remote/connection.js';
import type { RemoteOptions } from './core/remote/owner.js';
import { parseMapping } from './core/remote/path-map.js';
import { isAlive, readBeats } from './core/remote/registry.js';
import { RemoteWorker } from './core/remote/worker.js';
import { CliError, err, int, json, out, printable } from './cli-kit.js';

const redisOption = () => new Option('--redis <url>', 'Redis URL: redis://host:6379, or rediss://:password@host:6380 for TLS').env('QUARRY_REDIS');
const prefixOption = () => new Option('--redis-prefix <prefix>', 'key prefix in Redis (installations sharing one Redis)').default('quarry');
const tokenOption = () => new Option('--worker-token <token>', "the token for the owner's file endpoint (at least 16 characters)").env('QUARRY_WORKER_TOKEN');

/** `quarry run` options for remote workers. */
export function remoteRunOptions(c: Command): Command {
  return c
    .addOption(redisOption())
    .addOption(prefixOption())
    .option('--local-threads <n>', 'with --redis: threads extracting on this machine too (0: workers only)', int('local-threads'))
    .addOption(tokenOption())
    .option('--files-listen <host:port>', 'with --worker-token: where the file endpoint for workers listens', '127.0.0.1:0')
    .option('--files-url <url>', 'with --worker-token: the URL workers reach the file endpoint by (default: where it listens)')
    .option('--lock-seconds <n>', 'how long a lost worker holds a task before it runs elsewhere (match the workers)', int('lock-seconds', 1));
}

type RemoteFlags = {
  redis?: string;
  redisPrefix: string;
  localThreads?: number;
  workerToken?: string;
  filesListen: string;
  filesUrl?: string;
  lockSeconds?: number;
};

/** The engine's `remote` option from `quarry run`'s flags (undefined without --redis). */
export function remoteFromFlags(o: RemoteFlags): RemoteOptions | undefined {
  if (!o.redis) return undefined;
  redisConfig(o.redis, o.redisPrefix); // says a malformed URL now
  const [host, port] = splitListen(o.filesListen);
  return {
    redis: o.redis,
    prefix: o.redisPrefix,
    ...(o.localThreads !== undefined ? { localThreads: o.localThreads } : {}),
    ...(o.lockSeconds ? { lockMs: o.lockSeconds * 1000 } : {}),
    ...(o.workerToken ? { files: { token: o.workerToken, host, port, ...(o.filesUrl ? { advertise: o.filesUrl } : {}) } } : {}),
  };
}

function splitListen(v: string): [string, number] {
  const i = v.lastIndexOf(':');
  const port = Number(v.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`--files-listen takes host:port (got "${v}").`);
  return [v.slice(0, i), port];
}

export function registerRemoteCommands(program: Command): void {
  program
    .command('worker')
    .description('take extraction tasks from Redis until Ctrl-C (finishes running tasks; twice: hands them back)')
    .addOption(redisOption().makeOptionMandatory())
    .addOption(prefixOption())
    .option('--threads <n>', 'extraction threads (default: cores)', int('threads', 1))
    .option('--name <name>', 'shown in the Workers view (default: host-pid)')
    .option('--map <from=to...>', "the owner's path FROM is TO here (a share mounted elsewhere); repeatable")
    .addOption(tokenOption())
    .option('--lock-seconds <n>', 'how long a task stays ours without a sign of life (default 10)', int('lock-seconds', 1))
    // Tests run workers with a scripted extractor (test/fixtures/workers/chaos.cjs).
    .addOption(new Option('--extractor-bundle <file>').hideHelp())
    .action(async (o) => {
      const worker = new RemoteWorker({
        redis: redisConfig(o.redis, o.redisPrefix),
        threads: o.threads ?? availableParallelism(),
        ...(o.name ? { name: String(o.name).slice(0, 200) } : {}),
        maps: ((o.map as string[] | undefined) ?? []).map(parseMapping),
        version: VERSION,
        ...(o.workerToken ? { fileToken: o.workerToken } : {}),
        ...(o.lockSeconds ? { lockMs: o.lockSeconds * 1000 } : {}),
        ...(o.extractorBundle ? { host: { filename: path.resolve(o.extractorBundle) } } : {}),
        log: (line) => err(printable(line)),
      });
      err(`connecting to ${printable(redact(o.redis))}...`);
      await worker.start();
      await untilSignalled(worker);
    });

  program
    .command('workers')
    .description('the remote workers (from their heartbeats in Redis)')
    .addOption(redisOption().makeOptionMandatory())
    .addOption(prefixOption())
    .option('--json', 'machine-readable output')
    .action(async (o) => {
      const config = redisConfig(o.redis, o.redisPrefix);
      const redis = redisClient(config);
      redis.on('error', () => undefined);
      try {
        const beats = await readBeats(redis, config.prefix);
        if (o.json) return json(beats);
        if (!beats.length) return out('no workers');
        out(['NAME', 'HOST', 'THREADS', 'VERSION', 'RUNNING', 'DONE', 'FAILED', 'HEARTBEAT'].join('\t'));
        const now = Date.now();
        for (const b of beats) {
          const age = `${((now - b.at) / 1000).toFixed(1)} s ago${isAlive(b, now) ? '' : ' (gone)'}`;
          out([printable(b.name), printable(b.host), b.threads, printable(b.version), b.running.length, b.done, b.failed, age].join('\t'));
        }
      } finally {
        redis.disconnect();
      }
    });
}

/** SIGINT or SIGTERM: finish running tasks; a second one: hand them back now. */
async function untilSignalled(worker: RemoteWorker): Promise<void> {
  await new Promise<void>((resolve) => {
    let signals = 0;
    const onSignal = () => {
      signals++;
      if (signals === 1) {
        err(`stopping: ${worker.activeTasks} running task(s) finish first (again to hand them back now)`);
        void worker.stop().then(resolve);
      } else void worker.stop({ force: true }).then(resolve);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
