import type { JsMsg } from '@nats-io/jetstream';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../../projections/database.js';
import type { LeaseFence } from './consumer-store/index.js';
import type { StoredEvent } from './envelope.js';
import { observeReadPath } from './message-batches.js';
import { applyProjectionBatch, decodeMessages, validEvents, type ProjectionTarget } from './projection-batches.js';
import type { BatchHandler, RunnerOptions } from './stream-consumer.js';

/**
 * A read model's batch as the runner applies it: the handler's `prepare` first (outside any transaction), then the
 * events and the checkpoint (from `previous`) in one transaction, a failing event alone to the dead letters; after
 * the commit the read-path timings and the handler's `afterCommit`. Returns the batch's last sequence.
 */
export async function projectMessages(
  handler: BatchHandler,
  messages: readonly JsMsg[],
  previous: number,
  options: RunnerOptions & { log: Logger; fence: LeaseFence | null },
): Promise<number> {
  const decoded = decodeMessages(options.store, messages);
  const lastSeq = messages[messages.length - 1]!.seq;
  const { db, prepareTransaction, log, testFreeze } = options;
  const startedAt = Date.now();
  const target = await prepared(handler, validEvents(decoded), db);
  await applyProjectionBatch(
    {
      db,
      log,
      target,
      fence: options.fence,
      ...(prepareTransaction ? { prepare: prepareTransaction } : {}),
      ...(testFreeze ? { testFreeze } : {}),
    },
    decoded,
    previous,
    lastSeq,
  );
  if (options.traceReadPath) observeReadPath(options.metrics?.readPathSeconds, messages, startedAt);
  try {
    handler.afterCommit?.(validEvents(decoded));
  } catch (error) {
    log.error({ err: error }, 'afterCommit failed');
  }
  return lastSeq;
}

/** A handler with `prepare`: that work first, outside any transaction; `handle` then gets its result. */
async function prepared(
  handler: BatchHandler,
  events: readonly StoredEvent[],
  db: Kysely<Database>,
): Promise<ProjectionTarget> {
  if (!handler.prepare || events.length === 0) return handler;
  const result = await handler.prepare(events, db);
  return {
    name: handler.name,
    ...(handler.checkpointMembers ? { checkpointMembers: handler.checkpointMembers } : {}),
    handle: (batch, tx) => handler.handle(batch, tx, result),
  };
}
