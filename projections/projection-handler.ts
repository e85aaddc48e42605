import type { BatchHandler } from '../src/events/stream-consumer.js';
import type { Projection } from './projection.js';

/** Runs a projection as a `BatchHandler`: only the event types it declares reach it. */
export function projectionHandler(projection: Projection, name = projection.name): BatchHandler {
  const types = new Set(projection.canHandle);
  return {
    name,
    async handle(events, tx) {
      const relevant = events.filter((event) => types.has(event.type));
      if (relevant.length === 0) return;
      if (projection.projectBatch) await projection.projectBatch(relevant, tx);
      else for (const event of relevant) await projection.project(event, tx);
    },
  };
}
