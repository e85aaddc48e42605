import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const SOURCES = ['web/src', 'web/index.html', 'web/vite.config.ts', 'web/package.json', 'docs/openapi.json'];

function newest(file: string): number {
  const stat = statSync(file, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(file).map((entry) => newest(path.join(file, entry))));
}

/**
 * Builds the console (web/dist) when it is missing or older than its sources, so the browser tests never test a
 * stale build; after `npm run build` (CI) it is fresh and nothing runs.
 */
export function ensureConsoleBuilt(root = process.cwd()): void {
  const built = newest(path.join(root, 'web/dist/index.html'));
  const sources = Math.max(...SOURCES.map((source) => newest(path.join(root, source))));
  if (built > sources) return;
  execFileSync('npm', ['run', '-s', 'build', '-w', 'web'], { cwd: root, stdio: 'pipe', timeout: 180_000 });
}
