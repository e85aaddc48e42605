import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';

const SOURCES = ['web/src', 'web/index.html', 'web/vite.config.ts', 'web/package.json', 'docs/openapi.json'];

function newest(file: string): number {
  const stat = statSync(file, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(file).map((entry) => newest(path.join(file, entry))));
}

/** Held while one test worker builds the console: Jest runs two files at once, and two builds of web/dist race. */
const LOCK = 'web/.console-build.lock';

function isFresh(root: string): boolean {
  const built = newest(path.join(root, 'web/dist/index.html'));
  const sources = Math.max(...SOURCES.map((source) => newest(path.join(root, source))));
  return built > sources;
}

/**
 * Builds the console (web/dist) when it is missing or older than its sources, so the browser tests never test a
 * stale build; after `npm run build` (CI) it is fresh and nothing runs. One worker builds; the others wait for it.
 */
export function ensureConsoleBuilt(root = process.cwd()): void {
  if (isFresh(root)) return;
  const lock = path.join(root, LOCK);
  const deadline = Date.now() + 240_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // A lock left by a killed run is older than any build takes.
      if (Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) > 300_000)
        rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`${LOCK} held for 4 minutes by another test worker`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    if (!isFresh(root))
      execFileSync('npm', ['run', '-s', 'build', '-w', 'web'], { cwd: root, stdio: 'pipe', timeout: 180_000 });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
