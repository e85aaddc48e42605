import type { Kysely } from 'kysely';
import type { Database } from '../../projections/database.js';
import { deadLettersOf, removeDeadLetter } from '../events/consumer-store/index.js';
import { canonicalJson } from './canonical-json.js';
import { LINEAGE_CONSUMER } from './lineage.consumer.js';
import type { LineageTransport } from './lineage-transport.js';
import type { EmittedLineageEvent, OpenLineageEventType, OpenLineageRunEvent } from './openlineage.types.js';

/** One dead-lettered stream event of the emitter: the RunEvents the receiver refused, as they were sent. */
export interface LineageDeadLetter {
  seq: number;
  subject: string;
  eventType: string | null;
  error: string;
  createdAt: Date;
  events: EmittedLineageEvent[];
}

/** The emitter's dead letters (`projection_dead_letter` rows of consumer `lineage`), oldest first. */
export async function listLineageDeadLetters(db: Kysely<Database>, seqs: number[] = []): Promise<LineageDeadLetter[]> {
  const rows = await deadLettersOf(db, LINEAGE_CONSUMER, seqs);
  return rows.map((row) => ({
    seq: row.seq,
    subject: row.subject,
    eventType: row.eventType,
    error: row.error,
    createdAt: row.createdAt,
    events: (JSON.parse(row.body) as OpenLineageRunEvent[]).map((event) => ({
      seq: row.seq,
      sourceEventId: row.eventId ?? '',
      sourceType: row.eventType ?? '',
      subject: row.subject,
      slug: parentJob(event),
      parentRunId: parentRun(event),
      eventType: event.eventType as OpenLineageEventType,
      body: canonicalJson(event),
    })),
  }));
}

/**
 * Sends dead-lettered events again (after the receiver or its configuration was fixed); a row whose events are all
 * accepted is deleted, one refused again stays. Returns the sequences redelivered and those still refused.
 */
export async function redeliverLineageDeadLetters(
  db: Kysely<Database>,
  transports: readonly LineageTransport[],
  seqs: number[] = [],
): Promise<{ delivered: number[]; refused: number[] }> {
  const delivered: number[] = [];
  const refused: number[] = [];
  for (const letter of await listLineageDeadLetters(db, seqs)) {
    let ok = true;
    for (const transport of transports) {
      if ((await transport.deliver(letter.events)).length > 0) ok = false;
    }
    if (!ok) {
      refused.push(letter.seq);
      continue;
    }
    await removeDeadLetter(db, LINEAGE_CONSUMER, letter.seq);
    delivered.push(letter.seq);
  }
  return { delivered, refused };
}

function parentRun(event: OpenLineageRunEvent): string {
  const parent = event.run.facets?.parent as { run?: { runId?: string } } | undefined;
  return parent?.run?.runId ?? event.run.runId;
}

function parentJob(event: OpenLineageRunEvent): string {
  const parent = event.run.facets?.parent as { job?: { name?: string } } | undefined;
  return parent?.job?.name ?? event.job.name;
}
