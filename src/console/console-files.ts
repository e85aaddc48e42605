import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package that holds this module (the folder with apphub-assets' package.json), from src/ or dist/src/. */
export function packageRoot(from = fileURLToPath(import.meta.url)): string {
  let dir = path.dirname(from);
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'apphub-assets'
    )
      return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no apphub-assets package.json above ${from}`);
    dir = parent;
  }
}

/** Where `npm run build` puts the console (`web/dist`), or null when it has not been built. */
export function builtConsoleDir(root = packageRoot()): string | null {
  const dir = path.join(root, 'web', 'dist');
  return existsSync(path.join(dir, 'index.html')) ? dir : null;
}
