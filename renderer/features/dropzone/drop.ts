/**
 * What a drop hands to intake. Electron knows the path of a dropped folder
 * (the engine expands it); the browser only gets entries, walked here
 * (walk.ts) synchronously-started before the drop event ends.
 */
import type { Rejection } from '../../../shared/contract.js';
import { entriesOf, walkEntries } from './walk.js';

export type Intake = (files: readonly File[], preRejected?: readonly Rejection[]) => Promise<void>;

export function intakeDrop(dt: DataTransfer, transport: 'electron' | 'browser' | undefined, intake: Intake): void {
  if (transport === 'electron') {
    void intake(Array.from(dt.files));
    return;
  }
  const { entries, loose } = entriesOf(dt); // synchronously, before the drop ends
  void walkEntries(entries).then(({ files, rejected }) => intake([...loose, ...files], rejected));
}

/** Only drags that carry files open the drop target (not text or links dragged inside the page). */
export function carriesFiles(e: DragEvent): boolean {
  return e.dataTransfer?.types.includes('Files') ?? false;
}
