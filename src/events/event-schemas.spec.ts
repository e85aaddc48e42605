import { toEnvelope } from './envelope.js';
import { EventSchemaRegistry, InvalidEventError } from './event-schemas.js';
import { eventCatalog } from '../event-catalog.js';
import { derivedEventId } from './envelope.js';

const registry = new EventSchemaRegistry(eventCatalog);
const meta = { correlationId: 'c', causationId: null, actor: 'tester' };

describe('event envelopes', () => {
  it('accepts a valid envelope of a known type', () => {
    const event = toEnvelope(
      { type: 'workflow.run.started', data: { startedAt: '2026-01-01T00:00:00.000Z' } },
      meta,
      '2026-01-01T00:00:00.000Z',
    );
    expect(() => registry.assertValid(event)).not.toThrow();
  });

  it.each([
    ['an unknown type', { type: 'workflow.run.exploded' }],
    ['an unknown schema version', { schemaVersion: 2 }],
    ['a missing actor', { metadata: { correlationId: 'c', causationId: null } }],
    ['an extra envelope field', { extra: true }],
    ['a non-ISO occurredAt', { occurredAt: 'yesterday' }],
    ['data breaking its schema', { data: { startedAt: 42 } }],
  ])('rejects %s', (_name, change) => {
    const event = {
      ...toEnvelope(
        { type: 'workflow.run.started', data: { startedAt: '2026-01-01T00:00:00.000Z' } },
        meta,
        '2026-01-01T00:00:00.000Z',
      ),
      ...change,
    };
    expect(() => registry.assertValid(event)).toThrow(InvalidEventError);
  });

  it('derives the same id from the same cause and parts, and different ids otherwise', () => {
    expect(derivedEventId('cause', 'a', 1)).toBe(derivedEventId('cause', 'a', 1));
    expect(derivedEventId('cause', 'a', 1)).not.toBe(derivedEventId('cause', 'a', 2));
    expect(derivedEventId('cause', 'ab', null)).not.toBe(derivedEventId('cause', 'a', 'b'));
  });
});
