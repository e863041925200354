/**
 * Files an operating system leaves in folders: Finder's .DS_Store and the
 * "._" AppleDouble twins it writes on other disks, Windows' Thumbs.db and
 * desktop.ini. Nobody means to extract them, so a folder's walk (main's
 * intake, the browser's drop) passes them by without a word: a rejection per
 * folder would bury the real ones. One dropped on its own is still judged
 * like any file.
 */
export function isSystemClutter(fileName: string): boolean {
  const lower = fileName.toLowerCase();
  return lower === '.ds_store' || lower === 'thumbs.db' || lower === 'desktop.ini' || lower.startsWith('._');
}
