import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's `examples/` folder: the default (small, harmless) folder the report scans. */
export const EXAMPLES_FOLDER = fileURLToPath(new URL('..', import.meta.url));

/** One file or folder found by a scan. */
export interface ScannedEntry {
  relativePath: string;
  kind: 'file' | 'directory';
  sizeBytes: number;
  extension: string;
}

/** What a scan found: entries (up to `maxEntries`), totals and per-extension aggregates. */
export interface DirectoryScan {
  root: string;
  scannedAt: string;
  truncated: boolean;
  fileCount: number;
  directoryCount: number;
  totalBytes: number;
  byExtension: Array<{ extension: string; files: number; bytes: number }>;
  largestFiles: Array<{ relativePath: string; sizeBytes: number }>;
  entries: ScannedEntry[];
}

/** Limits of a scan. Symbolic links are listed as nothing and never followed. */
export interface ScanLimits {
  maxEntries: number;
  maxDepth: number;
}

/** Walks `root` breadth-first in name order, so the same tree always gives the same scan. */
export async function scanDirectory(root: string, limits: ScanLimits, signal?: AbortSignal): Promise<DirectoryScan> {
  const entries: ScannedEntry[] = [];
  let truncated = false;
  let queue: Array<{ dir: string; depth: number }> = [{ dir: root, depth: 0 }];
  while (queue.length > 0 && !truncated) {
    const next: typeof queue = [];
    for (const { dir, depth } of queue) {
      signal?.throwIfAborted();
      const children = (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
      for (const child of children) {
        if (entries.length >= limits.maxEntries) {
          truncated = true;
          break;
        }
        const full = path.join(dir, child.name);
        const relativePath = path.relative(root, full).split(path.sep).join('/');
        if (child.isDirectory()) {
          entries.push({ relativePath, kind: 'directory', sizeBytes: 0, extension: '' });
          if (depth + 1 < limits.maxDepth) next.push({ dir: full, depth: depth + 1 });
        } else if (child.isFile()) {
          const { size } = await lstat(full);
          entries.push({
            relativePath,
            kind: 'file',
            sizeBytes: size,
            extension: path.extname(child.name).toLowerCase() || '(none)',
          });
        }
      }
      if (truncated) break;
    }
    queue = next;
  }
  return summarize(root, entries, truncated);
}

function summarize(root: string, entries: ScannedEntry[], truncated: boolean): DirectoryScan {
  const files = entries.filter((entry) => entry.kind === 'file');
  const byExtension = new Map<string, { files: number; bytes: number }>();
  for (const file of files) {
    const aggregate = byExtension.get(file.extension) ?? { files: 0, bytes: 0 };
    aggregate.files += 1;
    aggregate.bytes += file.sizeBytes;
    byExtension.set(file.extension, aggregate);
  }
  return {
    root,
    scannedAt: new Date().toISOString(),
    truncated,
    fileCount: files.length,
    directoryCount: entries.length - files.length,
    totalBytes: files.reduce((sum, file) => sum + file.sizeBytes, 0),
    byExtension: [...byExtension.entries()]
      .map(([extension, aggregate]) => ({ extension, ...aggregate }))
      .sort((a, b) => b.bytes - a.bytes || a.extension.localeCompare(b.extension)),
    largestFiles: [...files]
      .sort((a, b) => b.sizeBytes - a.sizeBytes || a.relativePath.localeCompare(b.relativePath))
      .slice(0, 10)
      .map(({ relativePath, sizeBytes }) => ({ relativePath, sizeBytes })),
    entries,
  };
}
