import type { JsMsg } from '@nats-io/jetstream';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../../projections/database.js';
import {
  CheckpointMovedError,
  checkpointRefusal,
  insertDeadLetter,
  LeaseFencedError,
  saveCheckpoint,
  type CheckpointMove,
  type LeaseFence,
} from './consumer-store/index.js';
import type { StoredEvent } from './envelope.js';
import { InvalidEventError } from './event-schemas.js';
import type { EventStore } from './event-store.js';
import type { TestFreeze } from './stream-consumer.js';
import { isLineageSubject } from './lineage-publisher.js';
import { isTransientError } from './transient-error.js';

/** A message that is not a valid event, kept with its raw body for the dead letters. */
export interface InvalidMessage {
  error: unknown;
  seq: number;
  subject: string;
  body: string;
}

export type Decoded = StoredEvent | InvalidMessage;

/** A read model as the batch functions see it (the runner's and the rebuild's handlers alike). */
export interface ProjectionTarget {
  name: string;
  handle(events: readonly StoredEvent[], tx: Transaction<Database>): Promise<void>;
  /** Checkpoint rows moved together with the target's own (a projection group's members). */
  checkpointMembers?: readonly string[];
  /** The batch and its checkpoint without a transaction block (see `BatchHandler.applyAtOnce`). */
  applyAtOnce?(events: readonly StoredEvent[], db: Kysely<Database>, move: CheckpointMove): Promise<boolean>;
}

/**
 * Decodes delivered messages. `<prefix>.lineage.*` holds OpenLineage JSON published by the lineage emitter, not
 * domain envelopes: every consumer passes over it (never dead-letters it); the caller's position still moves past.
 */
export function decodeMessages(store: EventStore, messages: readonly JsMsg[]): Decoded[] {
  const prefix = store.subjects.prefix;
  return messages
    .filter((message) => !isLineageSubject(prefix, message.subject))
    .map((message) => {
      try {
        return store.decodeMessage(message);
      } catch (error) {
        return { error, seq: message.seq, subject: message.subject, body: message.string() };
      }
    });
}

export function validEvents(decoded: readonly Decoded[]): StoredEvent[] {
  return decoded.filter((item): item is StoredEvent => !('error' in item));
}

/** The dead-letter row of an event a consumer could not apply, or of a message that is not an event. */
export function deadLetterOf(consumer: string, item: Decoded, error: unknown = (item as InvalidMessage).error) {
  if ('error' in item) {
    return {
      consumer,
      seq: item.seq,
      subject: item.subject,
      eventId: null,
      eventType: item.error instanceof InvalidEventError ? item.error.eventType : null,
      error,
      body: item.body,
    };
  }
  return {
    consumer,
    seq: item.seq,
    subject: item.subject,
    eventId: item.id,
    eventType: item.type,
    error,
    body: JSON.stringify(item),
  };
}

export interface BatchTransaction {
  db: Kysely<Database>;
  target: ProjectionTarget;
  log: Logger;
  /** Runs first in every transaction (rebuild: points unqualified names at the shadow tables). */
  prepare?: (tx: Transaction<Database>) => Promise<void>;
  /** The runner's lease, checked by the statement that moves the checkpoint (none for tools without a lease). */
  fence?: LeaseFence | null;
  /** Drills only: an armed freeze takes the transaction path and stops the process inside it. */
  testFreeze?: TestFreeze;
}

/**
 * Applies one batch of a read model with its checkpoint (from `previous` to `lastSeq`) in one transaction. When the
 * batch fails for a reason that is not infrastructure, each event is applied in its own savepoint instead and the
 * ones that fail on their own go to the dead letters; invalid messages always do. Infrastructure errors are
 * rethrown (the caller retries from the checkpoint), never dead-lettered.
 */
export async function applyProjectionBatch(
  context: BatchTransaction,
  decoded: readonly Decoded[],
  previous: number,
  lastSeq: number,
): Promise<void> {
  if (await appliedAtOnce(context, decoded, previous, lastSeq)) return;
  try {
    await inTransaction(context, previous, lastSeq, decoded, async (tx) => {
      const events = validEvents(decoded);
      if (events.length > 0) await context.target.handle(events, tx);
    });
  } catch (error) {
    if (isTransientError(error) || error instanceof CheckpointMovedError || error instanceof LeaseFencedError)
      throw error;
    context.log.warn({ err: error, to: lastSeq }, 'batch failed; applying events one by one');
    await inTransaction(context, previous, lastSeq, decoded, async (tx) => {
      for (const event of validEvents(decoded)) {
        await sql`savepoint one_event`.execute(tx);
        try {
          await context.target.handle([event], tx);
          await sql`release savepoint one_event`.execute(tx);
        } catch (failure) {
          if (isTransientError(failure)) throw failure;
          await sql`rollback to savepoint one_event`.execute(tx);
          context.log.error({ err: failure, seq: event.seq, type: event.type }, 'poison event moved to dead letter');
          await insertDeadLetter(tx, deadLetterOf(context.target.name, event, failure));
        }
      }
    });
  }
}

/**
 * The fast path: a target that can apply the batch in one or two statements (no invalid message to dead-letter,
 * not a rebuild) does. A failure that is neither infrastructure nor a moved checkpoint falls back to the
 * transaction (and from there to one event at a time), so a poison event is isolated the same way.
 */
async function appliedAtOnce(
  context: BatchTransaction,
  decoded: readonly Decoded[],
  previous: number,
  lastSeq: number,
): Promise<boolean> {
  const { target } = context;
  if (!target.applyAtOnce || context.prepare || decoded.some((item) => 'error' in item)) return false;
  if (context.testFreeze?.armed(target.name)) return false;
  const members = target.checkpointMembers ?? [];
  const move = { name: target.name, previous, lastSeq, members, notify: true, fence: context.fence ?? null };
  try {
    return await target.applyAtOnce(validEvents(decoded), context.db, move);
  } catch (error) {
    const refusal = checkpointRefusal(error, target.name);
    if (refusal) throw refusal;
    if (isTransientError(error)) throw error;
    context.log.warn({ err: error, to: lastSeq }, 'one-statement batch failed; applying it in a transaction');
    return false;
  }
}

async function inTransaction(
  context: BatchTransaction,
  previous: number,
  lastSeq: number,
  decoded: readonly Decoded[],
  work: (tx: Transaction<Database>) => Promise<void>,
): Promise<void> {
  await context.db.transaction().execute(async (tx) => {
    await context.prepare?.(tx);
    for (const item of decoded) {
      if (!('error' in item)) continue;
      context.log.error({ err: item.error, seq: item.seq }, 'invalid event moved to dead letter');
      await insertDeadLetter(tx, deadLetterOf(context.target.name, item));
    }
    await work(tx);
    const { name, checkpointMembers } = context.target;
    context.testFreeze?.inside(name);
    await saveCheckpoint(tx, name, previous, lastSeq, checkpointMembers, true, context.fence ?? null);
  });
}
