/**
 * Feeds the shared WorkFollower (shared/desktop-policy.ts) from the engine's
 * own events, in main: the taskbar and notifications keep up while the
 * window is minimised (its page, throttled, would not). No Electron here.
 */
import { WorkFollower, type NotifyGate, type WorkSink } from '../../shared/desktop-policy.js';
import type { Job } from '../../shared/job.js';
import type { Engine } from '../core/engine.js';

type FollowedEngine = Pick<Engine, 'list' | 'get' | 'on' | 'off'>;

export function followEngine(engine: FollowedEngine, sink: WorkSink, gate: NotifyGate): { follower: WorkFollower; stop(): void } {
  const follower = new WorkFollower(sink, gate);
  // What already runs: followed from here, and notified when it finishes.
  for (const status of ['running', 'pending'] as const) {
    for (const batch of engine.list({ kind: 'batch', status, limit: 1000 })) follower.update(batch);
  }
  const onJob = (job: Job) => follower.update(job);
  const onRemoved = (id: string) => follower.remove(id);
  // A large intake is announced once, not job by job: its batch is read here.
  const onAdded = ({ parentId }: { parentId: string | null }) => {
    if (!parentId) return;
    try {
      follower.update(engine.get(parentId));
    } catch {
      // Deleted meanwhile: nothing to follow.
    }
  };
  engine.on('job', onJob);
  engine.on('jobRemoved', onRemoved);
  engine.on('jobsAdded', onAdded);
  return {
    follower,
    stop() {
      engine.off('job', onJob);
      engine.off('jobRemoved', onRemoved);
      engine.off('jobsAdded', onAdded);
    },
  };
}
