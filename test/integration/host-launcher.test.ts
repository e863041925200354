/**
 * The launcher of the extraction host: a message sent to a host that has
 * just died (its pipe closed, `connected` not yet false) must not end the
 * process that holds the jobs. Node emits such a write's EPIPE as an 'error'
 * event of the child, fatal when nobody listens.
 */
import { describe, expect, it } from 'vitest';
import { defaultHostFile, nodeLauncher } from '../../main/core/host/launcher.js';

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
