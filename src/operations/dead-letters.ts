import type { Kysely } from 'kysely';
import type { Database } from '../../projections/database.js';
import { allProjections } from '../../projections/index.js';
import { DomainError } from '../domain/domain-error.js';
import {
  deadLetterPage,
  deadLettersOf,
  removeDeadLetter,
  type DeadLetterSummary,
} from '../events/consumer-store/index.js';
import type { EventStore } from '../events/event-store.js';
import type { StoredEvent } from '../events/envelope.js';

/** One dead letter as operators see it (`createdAt` as an ISO string). */
export type DeadLetterView = Omit<DeadLetterSummary, 'id' | 'createdAt'> & { createdAt: string };

export interface DeadLetterPage {
  deadLetters: DeadLetterView[];
  /** `id` of the last row, for the next page. */
  nextAfter: number | null;
}

/** Dead letters, oldest first, optionally of one consumer; keyset paging by row id. */
export async function listDeadLetters(
  db: Kysely<Database>,
  filter: { consumer?: string; limit: number; after?: number },
): Promise<DeadLetterPage> {
  const rows = await deadLetterPage(db, { ...filter, limit: filter.limit + 1 });
  const page = rows.slice(0, filter.limit);
  return {
    deadLetters: page.map(({ id: _id, createdAt, ...letter }) => ({
      ...letter,
      createdAt: new Date(createdAt).toISOString(),
    })),
    nextAfter: rows.length > filter.limit ? page[page.length - 1]!.id : null,
  };
}

export interface ReplayResult {
  replayed: number[];
  stillFailing: Array<{ seq: number; error: string }>;
  /** Requested sequences this consumer has no dead letter at. */
  notFound: number[];
}

/** The read models a consumer name stands for (a projection, or the live group of all of them). */
function projectionsOf(consumer: string) {
  if (consumer === 'read_models') return allProjections;
  const projection = allProjections.find((candidate) => candidate.name === consumer);
  return projection ? [projection] : null;
}

/**
 * Applies dead-lettered events again to the read model that refused them (after a fix), reading each event from the
 * stream by its sequence (the source of truth), and removes the dead letter when it applies. Read models are
 * idempotent (unique event ids, sequence guards), so replaying an event that partly applied changes nothing twice.
 * Process managers dead-letter only messages that are not valid events (which fail again); OpenLineage rejections
 * have their own tool (`npm run lineage -- dead-letters`).
 */
export async function replayDeadLetters(
  db: Kysely<Database>,
  store: EventStore,
  consumer: string,
  seqs: readonly number[] = [],
): Promise<ReplayResult> {
  const projections = projectionsOf(consumer);
  if (!projections) {
    throw new DomainError(
      'invalid_request',
      consumer === 'lineage'
        ? 'OpenLineage dead letters are replayed with `npm run lineage -- dead-letters replay`.'
        : `"${consumer}" is not a read model; only read models (${['read_models', ...allProjections.map((p) => p.name)].join(', ')}) replay dead letters. Discard the others' with \`npm run dead-letters -- discard ${consumer} [seq…] --reason "…"\`.`,
    );
  }
  const letters = await deadLettersOf(db, consumer, seqs);
  const found = new Set(letters.map((letter) => letter.seq));
  const result: ReplayResult = { replayed: [], stillFailing: [], notFound: seqs.filter((seq) => !found.has(seq)) };
  for (const letter of letters) {
    try {
      const event = await store.readAt(letter.seq);
      await db.transaction().execute(async (tx) => {
        for (const projection of projections) await apply(projection, event, tx);
        await removeDeadLetter(tx, consumer, letter.seq);
      });
      result.replayed.push(letter.seq);
    } catch (error) {
      result.stillFailing.push({ seq: letter.seq, error: (error as Error).message ?? String(error) });
    }
  }
  return result;
}

async function apply(
  projection: (typeof allProjections)[number],
  event: StoredEvent,
  tx: Parameters<(typeof allProjections)[number]['project']>[1],
): Promise<void> {
  if (!projection.canHandle.includes(event.type)) return;
  await projection.project(event, tx);
}
