import { pino, type Logger } from 'pino';
import { eventCatalog } from '../../src/event-catalog.js';
import type { EventSchema } from '../../src/events/event-schemas.js';
import { EventSchemaRegistry } from '../../src/events/event-schemas.js';
import { eventPortsFor, type EventPorts } from '../../src/events/event-ports.js';
import { EventStore } from '../../src/events/event-store.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';
import { openTestNats } from './test-nats.js';

export type TestNats = Awaited<ReturnType<typeof openTestNats>>;

/** A database, a NATS prefix and an event store, without the HTTP app (for integration tests of parts). */
export interface TestPlatform {
  database: TestDatabase;
  nats: TestNats;
  store: EventStore;
  /** The ports the application gets from `src/events`, over `nats`. */
  events: EventPorts;
  log: Logger;
  dispose(): Promise<void>;
}

export async function createTestPlatform(
  options: { extraSchemas?: EventSchema[]; leaseTtlMs?: number } = {},
): Promise<TestPlatform> {
  const database = await createTestDatabase();
  const nats = await openTestNats(undefined, options.leaseTtlMs ?? 3000);
  const store = new EventStore(nats, new EventSchemaRegistry([...eventCatalog, ...(options.extraSchemas ?? [])]));
  const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  return {
    database,
    nats,
    store,
    events: eventPortsFor(nats, store),
    log,
    dispose: async () => {
      await nats.dispose();
      await database.drop();
    },
  };
}
