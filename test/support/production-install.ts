import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = process.cwd();

/**
 * `node_modules` as the production image has it (`npm ci --omit=dev`), installed once per package-lock.json into
 * the temp directory and reused (the first install takes ~30 s on the CI box, later runs none). The working
 * copy's own node_modules is never touched.
 */
export function productionModules(): string {
  const lock = readFileSync(join(ROOT, 'package-lock.json'));
  const dir = join(tmpdir(), `apphub-prod-modules-${createHash('sha256').update(lock).digest('hex').slice(0, 12)}`);
  const done = join(dir, 'installed');
  if (existsSync(done)) return join(dir, 'node_modules');
  const guard = `${dir}.lock`;
  for (;;) {
    try {
      mkdirSync(guard);
      break;
    } catch {
      execFileSync('sleep', ['0.5']);
      if (existsSync(done)) return join(dir, 'node_modules');
    }
  }
  try {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(join(dir, 'web'), { recursive: true });
    for (const file of ['package.json', 'package-lock.json', 'web/package.json'])
      cpSync(join(ROOT, file), join(dir, file));
    execFileSync(
      'npm',
      ['ci', '--omit=dev', '--workspaces=false', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'],
      { cwd: dir, stdio: 'ignore' },
    );
    writeFileSync(done, new Date().toISOString());
  } finally {
    rmSync(guard, { recursive: true, force: true });
  }
  return join(dir, 'node_modules');
}

/** A directory laid out like the image's /app: the built dist/, scripts/ and package.json, production modules. */
export function productionApp(): string {
  const app = mkdtempSync(join(tmpdir(), 'apphub-prod-app-'));
  for (const entry of ['dist', 'scripts', 'package.json'])
    cpSync(join(ROOT, entry), join(app, entry), { recursive: true });
  symlinkSync(productionModules(), join(app, 'node_modules'), 'dir');
  return app;
}
