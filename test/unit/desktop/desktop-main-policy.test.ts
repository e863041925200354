/**
 * Electron main's desktop rules as plain functions (main/desktop): the
 * taskbar, the files a launch names, where the window reopens, what main
 * remembers, the menu.
 */
import { realpathSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { filesFromArgv, secondLaunchFiles } from '../../../main/desktop/argv.js';
import { DesktopStateFile, intakeOptionsOf, readDesktopState } from '../../../main/desktop/desktop-state.js';
import { menuTemplate, type MenuItem } from '../../../main/desktop/menu.js';
import { sourceFileOf } from '../../../main/desktop/open-policy.js';
import { ContractError } from '../../../shared/contract.js';
import { taskbarState } from '../../../main/desktop/taskbar.js';
import { restoreBounds } from '../../../main/desktop/window-bounds.js';
import { tempDir } from '../../helpers/tmp.js';

describe('which original may be opened', () => {
  it('a job’s own file, under the name it was given; never a batch, nor a member an archive was unpacked into', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'unpacked.bin');
    writeFileSync(file, 'x');
    expect(await sourceFileOf({ kind: 'extract', source: 'app', sourcePath: file, fileName: 'Given name.bin' })).toEqual({
      path: realpathSync(file),
      name: 'Given name.bin',
      size: 1,
    });
    const refused = (job: Parameters<typeof sourceFileOf>[0]) =>
      sourceFileOf(job).then(
        () => null,
        (e: ContractError) => e.kind,
      );
    expect(await refused({ kind: 'extract', source: 'archive', sourcePath: file, fileName: 'inner.exe' })).toBe('invalid_state');
    expect(await refused({ kind: 'batch', source: 'app', sourcePath: dir, fileName: 'folder' })).toBe('invalid_state');
    expect(await refused({ kind: 'extract', source: 'app', sourcePath: 'relative/path.txt', fileName: null })).toBe('not_found');
    expect(await refused({ kind: 'extract', source: 'app', sourcePath: dir, fileName: null })).toBe('invalid_state');
  });
});

describe('taskbar', () => {
  it('shows the running work as the bar and the failed count as the badge, and clears both when nothing runs', () => {
    expect(taskbarState({ fraction: 0.42, failed: 3 })).toEqual({ progress: 0.42, mode: 'error', badge: 3 });
    expect(taskbarState({ fraction: 0.5, failed: 0 })).toEqual({ progress: 0.5, mode: 'normal', badge: 0 });
    expect(taskbarState({ fraction: 0.5, failed: 0 }, true).mode).toBe('paused');
    // Queued but not started: a sliver, not an invisible bar.
    expect(taskbarState({ fraction: 0, failed: 0 }).progress).toBe(0.01);
    expect(taskbarState({ fraction: null, failed: 0 })).toEqual({ progress: -1, mode: 'none', badge: 0 });
  });
});

describe('files from the command line', () => {
  const cwd = '/home/ana/scans';
  it('packaged: every plain argument is a file, relative to the launch folder; switches are Electron’s', () => {
    const argv = ['/opt/Quarry/quarry', '--no-sandbox', 'a.pdf', '../b.docx', '/tmp/c.txt', '--original-process-start-time=1', '-psn_0_123'];
    expect(filesFromArgv(argv, { cwd, packaged: true })).toEqual(['/home/ana/scans/a.pdf', '/home/ana/b.docx', '/tmp/c.txt']);
  });
  it('development: the app path (after Electron’s own switches) is not a file', () => {
    const argv = ['/x/electron', '--inspect=0', '--remote-debugging-port=0', 'dist/main/main.cjs', 'x.csv'];
    expect(filesFromArgv(argv, { cwd, packaged: false })).toEqual(['/home/ana/scans/x.csv']);
    expect(filesFromArgv(['/x/electron', '.'], { cwd, packaged: false })).toEqual([]);
  });
  it('after "--" a name that starts with a dash is a file; URLs and repeats are dropped', () => {
    const argv = ['/opt/Quarry/quarry', 'a.pdf', 'quarry://app/index.html', 'a.pdf', '--', '-odd.txt'];
    expect(filesFromArgv(argv, { cwd, packaged: true })).toEqual(['/home/ana/scans/a.pdf', '/home/ana/scans/-odd.txt']);
  });
});

describe('a second launch', () => {
  it('uses the argv and folder the launch sent itself, relative to its folder, not ours', () => {
    const sent = { argv: ['/opt/Quarry/quarry', 'new.pdf'], cwd: '/home/ana/inbox' };
    expect(secondLaunchFiles(['/opt/Quarry/quarry', '--flag', 'other.pdf'], '/', sent, true)).toEqual(['/home/ana/inbox/new.pdf']);
  });
  it('falls back to what Electron passed when the data is missing or malformed', () => {
    const argv = ['/opt/Quarry/quarry', '--original-process-start-time=13', 'x.txt'];
    for (const bad of [undefined, null, {}, { argv: 'x', cwd: '/' }, { argv: [1], cwd: '/' }, { argv: ['a'], cwd: 'relative' }])
      expect(secondLaunchFiles(argv, '/srv', bad, true)).toEqual(['/srv/x.txt']);
  });
});

describe('window bounds', () => {
  const laptop = { x: 0, y: 0, width: 1440, height: 875 };
  const monitor = { x: 1440, y: 0, width: 2560, height: 1400 };
  it('reopens where it was when that is on a screen', () => {
    const saved = { x: 1600, y: 100, width: 1800, height: 1000 };
    expect(restoreBounds(saved, [laptop, monitor])).toEqual(saved);
  });
  it('a window left on an unplugged monitor comes back centred on the primary display', () => {
    expect(restoreBounds({ x: 1600, y: 100, width: 1800, height: 1000 }, [laptop])).toEqual({ x: 80, y: 28, width: 1280, height: 820 });
  });
  it('a window partly off-screen is pulled back whole, and shrunk to fit a smaller screen', () => {
    expect(restoreBounds({ x: -300, y: 700, width: 1000, height: 700 }, [laptop])).toEqual({ x: 0, y: 175, width: 1000, height: 700 });
    expect(restoreBounds({ x: 10, y: 10, width: 3000, height: 2000 }, [laptop])).toEqual({ x: 0, y: 0, width: 1440, height: 875 });
  });
  it('no saved place (or a damaged one): centred at the default size', () => {
    expect(restoreBounds(undefined, [laptop])).toEqual({ x: 80, y: 28, width: 1280, height: 820 });
    expect(restoreBounds({ x: 0, y: 0, width: 0, height: 0 }, [laptop])).toEqual({ x: 80, y: 28, width: 1280, height: 820 });
  });
});

describe('what the desktop app remembers (desktop.json in the data folder)', () => {
  it('persists the bounds, the theme override and the notification setting, and survives a damaged file', () => {
    const dir = tempDir();
    const file = path.join(dir, 'desktop.json');
    expect(readDesktopState(file)).toEqual({ theme: 'system', notifyBatches: true });
    const state = new DesktopStateFile(file);
    state.update({ theme: 'dark', window: { bounds: { x: 1, y: 2, width: 900, height: 700 }, maximized: false } });
    state.update({ notifyBatches: false });
    expect(new DesktopStateFile(file).get()).toEqual({
      theme: 'dark',
      notifyBatches: false,
      window: { bounds: { x: 1, y: 2, width: 900, height: 700 }, maximized: false },
    });
    // Only the person can read it.
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o077).toBe(0);
    // A damaged bounds entry costs the bounds, not the theme.
    writeFileSync(file, JSON.stringify({ theme: 'light', window: { bounds: 'nowhere' } }));
    expect(readDesktopState(file)).toEqual({ theme: 'light', notifyBatches: true });
    writeFileSync(file, JSON.stringify({ theme: 'dark', intake: { definition: 'ocr', failureAction: 'explode', maxChildFailures: 0 } }));
    expect(readDesktopState(file)).toEqual({ theme: 'dark', notifyBatches: true });
    writeFileSync(file, '{not json');
    expect(readDesktopState(file)).toEqual({ theme: 'system', notifyBatches: true });
  });
});

describe('files that arrive through main get the window’s intake options', () => {
  it('as the window’s own intake sends them: the definition unless it is the default, the child-failure limit only with stop_all', () => {
    const base = { theme: 'system' as const, notifyBatches: true };
    expect(intakeOptionsOf(base)).toEqual({});
    expect(intakeOptionsOf({ ...base, intake: { definition: 'extract', failureAction: 'continue', maxChildFailures: 5 } })).toEqual({
      failureAction: 'continue',
    });
    expect(intakeOptionsOf({ ...base, intake: { definition: 'ocr-all', failureAction: 'stop_all', maxChildFailures: 5 } })).toEqual({
      definition: 'ocr-all',
      failureAction: 'stop_all',
      maxChildFailures: 5,
    });
  });
});

describe('the application menu', () => {
  const calls: string[] = [];
  const act = {
    addFiles: () => calls.push('addFiles'),
    addFolder: () => calls.push('addFolder'),
    exportResults: () => calls.push('export'),
    toggleTheme: () => calls.push('theme'),
    showShortcuts: () => calls.push('shortcuts'),
  };
  const find = (items: MenuItem[], label: string): MenuItem | undefined =>
    items.flatMap((i) => [i, ...(i.submenu ?? [])]).find((i) => i.label === label || i.role === label);

  it('File has Add files…, Add folder…, Export… and Quit with their accelerators, and they act', () => {
    const menu = menuTemplate({ mac: false, dev: false, appName: 'Quarry' }, act);
    expect(menu.map((m) => m.label ?? m.role)).toEqual(['&File', '&Edit', '&View', 'windowMenu', 'help']);
    const file = menu[0]!.submenu!.filter((i) => i.type !== 'separator');
    expect(file.map((i) => [i.label ?? i.role, i.accelerator])).toEqual([
      ['Add Files…', 'CmdOrCtrl+O'],
      ['Add Folder…', 'CmdOrCtrl+Shift+O'],
      ['Export…', 'CmdOrCtrl+E'],
      ['Quit', 'CmdOrCtrl+Q'],
    ]);
    for (const label of ['Add Files…', 'Add Folder…', 'Export…', 'Toggle Theme', 'Keyboard Shortcuts']) find(menu, label)!.click!();
    expect(calls).toEqual(['addFiles', 'addFolder', 'export', 'theme', 'shortcuts']);
    expect(find(menu, 'copy')).toBeTruthy();
    expect(find(menu, 'togglefullscreen')).toBeTruthy();
    expect(find(menu, 'zoomIn')).toBeTruthy();
  });

  it('reload and the developer tools only in development; macOS gets the app menu with Quit', () => {
    expect(find(menuTemplate({ mac: false, dev: false, appName: 'Quarry' }, act), 'toggleDevTools')).toBeUndefined();
    expect(find(menuTemplate({ mac: false, dev: false, appName: 'Quarry' }, act), 'reload')).toBeUndefined();
    expect(find(menuTemplate({ mac: false, dev: true, appName: 'Quarry' }, act), 'toggleDevTools')).toBeTruthy();
    const mac = menuTemplate({ mac: true, dev: false, appName: 'Quarry' }, act);
    expect(mac[0]!.label).toBe('Quarry');
    expect(mac[0]!.submenu!.some((i) => i.role === 'quit')).toBe(true);
  });
});
