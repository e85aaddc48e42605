import type { Kysely } from 'kysely';
import type { Database } from '../../projections/database.js';
import type { Projection } from '../../projections/projection.js';
import type { StoredEvent } from '../../src/events/envelope.js';

/**
 * given(events).when(event, { times }).then(read) for projections (STYLE §10): applies events one transaction per
 * event (like separate batches), so redelivery and out-of-order duplicates are exercised the way the runner would.
 */
export function projectionSpec(db: Kysely<Database>, projection: Projection) {
  const apply = async (events: StoredEvent[]) => {
    for (const event of events) {
      await db.transaction().execute(async (tx) => {
        if (projection.canHandle.includes(event.type)) await projection.project(event, tx);
      });
    }
  };
  return {
    given(events: StoredEvent[]) {
      return {
        when(event: StoredEvent, options: { times?: number } = {}) {
          return {
            async then<T>(read: () => Promise<T>, expected: T): Promise<void> {
              await apply(events);
              for (let i = 0; i < (options.times ?? 1); i++) await apply([event]);
              expect(await read()).toEqual(expected);
            },
          };
        },
      };
    },
  };
}
