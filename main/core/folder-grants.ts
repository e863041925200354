/**
 * Folders the person picked in the native dialog, as opaque handles: the
 * renderer gets a handle, never a path it could have made up, and main
 * writes only where a live handle points. A handle is used once (one pick,
 * one export) and only the latest few picks stay live.
 */
import { randomBytes } from 'node:crypto';

export class FolderGrants {
  private readonly live = new Map<string, string>();

  constructor(private readonly maxLive = 8) {}

  /** Called with what the dialog returned; the handle is what the renderer may pass back. */
  issue(folder: string): string {
    const handle = randomBytes(16).toString('base64url');
    this.live.set(handle, folder);
    // Map keeps insertion order: the oldest pick goes first.
    for (const old of this.live.keys()) {
      if (this.live.size <= this.maxLive) break;
      this.live.delete(old);
    }
    return handle;
  }

  /** The folder of a live handle, which is then spent; undefined for anything else. */
  take(handle: string): string | undefined {
    const folder = this.live.get(handle);
    this.live.delete(handle);
    return folder;
  }
}
