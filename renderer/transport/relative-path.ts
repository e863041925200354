/**
 * Relative paths of files found by walking a dropped folder. A File made by
 * FileSystemFileEntry.file() has no webkitRelativePath, and renaming it would
 * copy it, so the path rides alongside in a WeakMap.
 */
const paths = new WeakMap<File, string>();

export function setRelativePath(file: File, path: string): void {
  paths.set(file, path);
}

/** The name to show and to upload under: "folder/sub/file.txt" or just "file.txt". */
export function relativePathOf(file: File): string {
  return paths.get(file) || file.webkitRelativePath || file.name;
}
