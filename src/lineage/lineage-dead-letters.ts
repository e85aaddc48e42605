import type { Kysely } from 'kysely';
import type { Database } from '../../projections/database.js';
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
  let query = db
    .selectFrom('projection_dead_letter')
    .select(['seq', 'subject', 'event_id', 'event_type', 'error', 'body', 'created_at'])
    .where('projection', '=', LINEAGE_CONSUMER)
    .orderBy('seq');
  if (seqs.length > 0) query = query.where('seq', 'in', seqs);
  const rows = await query.execute();
  return rows.map((row) => ({
    seq: row.seq,
    subject: row.subject,
    eventType: row.event_type,
    error: row.error,
    createdAt: row.created_at,
    events: (JSON.parse(row.body) as OpenLineageRunEvent[]).map((event) => ({
      seq: row.seq,
      sourceEventId: row.event_id ?? '',
      sourceType: row.event_type ?? '',
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
    await db
      .deleteFrom('projection_dead_letter')
      .where('projection', '=', LINEAGE_CONSUMER)
      .where('seq', '=', letter.seq)
      .execute();
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
