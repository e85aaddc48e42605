#!/usr/bin/env node
// `npm run rebuild | dead-letters | lineage | migrate | assets | webhooks -- …`: runs an operator tool from the built code in dist/,
// with no build step, so the tools start in about a second and work in the production image (whose dev
// dependencies are pruned). After changing the sources, `npm run build` first.
import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const TOOLS = {
  rebuild: 'dist/src/cli/rebuild-cli.js',
  'dead-letters': 'dist/src/cli/dead-letters-cli.js',
  lineage: 'dist/src/cli/lineage-cli.js',
  migrate: 'dist/src/db/migrate-cli.js',
  assets: 'dist/src/cli/assets-cli.js',
  webhooks: 'dist/src/cli/webhooks-cli.js',
};

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [name] = process.argv.splice(2, 1);
const tool = TOOLS[name];
if (!tool) {
  process.stderr.write(`unknown tool "${name ?? ''}"; one of: ${Object.keys(TOOLS).join(', ')}\n`);
  process.exit(2);
}
const file = join(root, tool);
if (!existsSync(file)) {
  process.stderr.write(
    `${relative(process.cwd(), file) || file} is missing: the tools run the built code; run \`npm run build\` first\n`,
  );
  process.exit(2);
}
await import(pathToFileURL(file).href);
