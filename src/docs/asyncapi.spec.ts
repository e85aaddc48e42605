import { readFileSync } from 'node:fs';
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
});
