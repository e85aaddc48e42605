import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../../../projections/database.js';

type Db = Kysely<Database> | Transaction<Database>;

/** An event a consumer could not apply, as a runner records it. */
export interface DeadLetter {
  consumer: string;
  seq: number;
  subject: string;
  eventId: string | null;
  eventType: string | null;
  error: unknown;
  body: string;
}

/** A recorded dead letter without its body (`id` orders them as they were recorded). */
export interface DeadLetterSummary {
  id: number;
  consumer: string;
  seq: number;
  subject: string;
  eventId: string | null;
  eventType: string | null;
  error: string;
  createdAt: Date;
}

/** A recorded dead letter with the message as it was delivered. */
export interface StoredDeadLetter extends DeadLetterSummary {
  body: string;
}

/** Keeps an event a consumer could not apply, with the error (once per consumer and sequence). */
export async function insertDeadLetter(tx: Transaction<Database>, letter: DeadLetter): Promise<void> {
  await tx
    .insertInto('projection_dead_letter')
    .values({
      projection: letter.consumer,
      seq: letter.seq,
      subject: letter.subject,
      event_id: letter.eventId,
      event_type: letter.eventType,
      error: String((letter.error as Error)?.message ?? letter.error),
      body: letter.body,
    })
    .onConflict((oc) => oc.columns(['projection', 'seq']).doNothing())
    .execute();
}

const SUMMARY = ['id', 'projection', 'seq', 'subject', 'event_id', 'event_type', 'error', 'created_at'] as const;
const COLUMNS = [...SUMMARY, 'body'] as const;

/**
 * Dead letters in the order they were recorded (without their bodies), optionally of one consumer, after row
 * `after`; at most `limit`.
 */
export async function deadLetterPage(
  db: Db,
  filter: { consumer?: string; after?: number; limit: number },
): Promise<DeadLetterSummary[]> {
  let query = db.selectFrom('projection_dead_letter').select(SUMMARY).orderBy('id').limit(filter.limit);
  if (filter.consumer) query = query.where('projection', '=', filter.consumer);
  if (filter.after !== undefined) query = query.where('id', '>', filter.after);
  return (await query.execute()).map(toSummary);
}

/** One consumer's dead letters by stream sequence (all of them without `seqs`). */
export async function deadLettersOf(
  db: Db,
  consumer: string,
  seqs: readonly number[] = [],
): Promise<StoredDeadLetter[]> {
  let query = db.selectFrom('projection_dead_letter').select(COLUMNS).where('projection', '=', consumer).orderBy('seq');
  if (seqs.length > 0) query = query.where('seq', 'in', [...seqs]);
  return (await query.execute()).map(toDeadLetter);
}

/** Dead letters per consumer (for `/metrics` and the list's summary). */
export async function countDeadLetters(db: Db): Promise<Map<string, number>> {
  const { rows } = await sql<{ projection: string; count: number }>`
    select projection, count(*)::int as count from projection_dead_letter group by projection`.execute(db);
  return new Map(rows.map((row) => [row.projection, row.count]));
}

/** Removes a dead letter that finally applied (or was delivered). */
export async function removeDeadLetter(db: Db, consumer: string, seq: number): Promise<void> {
  await db.deleteFrom('projection_dead_letter').where('projection', '=', consumer).where('seq', '=', seq).execute();
}

/**
 * Moves a consumer's dead letters (all, or those at `seqs`) to `dead_letter_discard` with who and why, in one
 * statement; returns the sequences moved, ascending.
 */
export async function discardDeadLetterRows(
  db: Db,
  consumer: string,
  seqs: readonly number[],
  discard: { by: string; reason: string },
): Promise<number[]> {
  const only = seqs.length > 0 ? sql`and seq = any(${[...seqs]}::bigint[])` : sql``;
  const { rows } = await sql<{ seq: number }>`
    with gone as (
      delete from projection_dead_letter where projection = ${consumer} ${only}
      returning projection, seq, subject, event_id, event_type, error, body, created_at)
    insert into dead_letter_discard
      (consumer, seq, subject, event_id, event_type, error, body, dead_lettered_at, discarded_by, reason)
    select projection, seq, subject, event_id, event_type, error, body, created_at, ${discard.by}, ${discard.reason}
    from gone
    returning seq`.execute(db);
  return rows.map((row) => Number(row.seq)).sort((a, b) => a - b);
}

interface SummaryRow {
  id: number;
  projection: string;
  seq: number;
  subject: string;
  event_id: string | null;
  event_type: string | null;
  error: string;
  created_at: Date;
}

function toSummary(row: SummaryRow): DeadLetterSummary {
  return {
    id: row.id,
    consumer: row.projection,
    seq: Number(row.seq),
    subject: row.subject,
    eventId: row.event_id,
    eventType: row.event_type,
    error: row.error,
    createdAt: row.created_at,
  };
}

function toDeadLetter(row: SummaryRow & { body: string }): StoredDeadLetter {
  return { ...toSummary(row), body: row.body };
}
