import type { Kysely } from 'kysely';
import type { Database } from '../../projections/database.js';
import { DomainError } from '../domain/domain-error.js';
import { discardDeadLetterRows } from '../events/consumer-store/index.js';

export interface DiscardRequest {
  /** Who discards (recorded). */
  by: string;
  /** Why (recorded). */
  reason: string;
}

export interface DiscardResult {
  discarded: number[];
  /** Requested sequences this consumer has no dead letter at. */
  notFound: number[];
}

/**
 * Discards dead letters of any consumer (a read model, a process manager, the lineage emitter): all of them, or
 * those at the given stream sequences. Each one moves, in one statement, to `dead_letter_discard` with who
 * discarded it and why, so the consumer's `apphub_dead_letters` can return to 0 and the record stays. For a
 * process manager this is the way out: it dead-letters only messages it can never use, so a replay would fail again.
 */
export async function discardDeadLetters(
  db: Kysely<Database>,
  consumer: string,
  seqs: readonly number[],
  request: DiscardRequest,
): Promise<DiscardResult> {
  const by = request.by.trim();
  const reason = request.reason.trim();
  if (!by || !reason) throw new DomainError('invalid_request', 'a discard records who and why: give both');
  const discarded = await discardDeadLetterRows(db, consumer, seqs, { by, reason });
  return { discarded, notFound: seqs.filter((seq) => !discarded.includes(seq)) };
}
