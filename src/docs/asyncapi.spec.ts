import { readFileSync } from 'node:fs';
import { Parser } from '@asyncapi/parser';
import { parse } from 'yaml';
import { eventCatalog } from '../event-catalog.js';
import { buildAsyncApiDocument } from './asyncapi.js';

describe('AsyncAPI document', () => {
  it('documents every event type of the catalog on a channel', () => {
    const document = buildAsyncApiDocument() as { components: { messages: Record<string, { name: string }> } };
    const documented = new Set(Object.values(document.components.messages).map((message) => message.name));
    for (const schema of eventCatalog) expect(documented).toContain(schema.type);
  });

  it('is committed up to date in docs/asyncapi.yaml (run `npm run docs:asyncapi`)', () => {
    const committed = parse(readFileSync('docs/asyncapi.yaml', 'utf8')) as unknown;
    expect(committed).toEqual(JSON.parse(JSON.stringify(buildAsyncApiDocument())));
  });

  it('passes the official AsyncAPI parser (@asyncapi/parser) without errors or warnings', async () => {
    const { document, diagnostics } = await new Parser().parse(readFileSync('docs/asyncapi.yaml', 'utf8'));
    // Spectral severities: 0 error, 1 warning, 2 information (e.g. "3.1.0 is out"), 3 hint.
    const problems = diagnostics.filter((diagnostic) => diagnostic.severity <= 1);
    expect(problems.map((problem) => `${problem.code} at ${problem.path.join('.')}: ${problem.message}`)).toEqual([]);
    expect(document).toBeDefined();
  });
});
