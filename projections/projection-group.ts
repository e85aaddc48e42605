import { sql } from 'kysely';
import type { BatchHandler } from '../src/events/stream-consumer.js';
import type { Projection } from './projection.js';

/**
 * Several projections behind one ordered consumer: each event is delivered and decoded once for all of them,
 * applied in one transaction, and every member keeps its own checkpoint row (moved in that same transaction), so
 * `?minSeq` waits, lag metrics and `npm run rebuild` still work per projection. A member whose checkpoint is ahead
 * of the group's (just rebuilt and swapped in) skips what it already has — safe here because an ordered consumer
 * delivers in stream order without gaps. Commits do not wait for the WAL flush (`synchronous_commit = off`): rows
 * and checkpoints commit together, so a commit lost in a crash is replayed from the older checkpoint.
 */
export function projectionGroup(
  name: string,
  projections: readonly Projection[],
  onApplied?: (projection: string, events: number, ms: number) => void,
): BatchHandler {
  const types = new Map(projections.map((projection) => [projection.name, new Set(projection.canHandle)]));
  const names = projections.map((projection) => projection.name);
  return {
    name,
    // The members' checkpoints move with the group's, in the statement that moves the group's (saveCheckpoint).
    checkpointMembers: names,
    async handle(events, tx) {
      // One round trip: the commit setting and every member's position.
      const { rows } = await sql<{ positions: Array<{ name: string; last_seq: number }> | null }>`
        select set_config('synchronous_commit', 'off', true) as sync,
          (select json_agg(json_build_object('name', name, 'last_seq', last_seq)) from projection_checkpoint
            where name = any(${names}::text[])) as positions`.execute(tx);
      const positions = new Map((rows[0]!.positions ?? []).map((row) => [row.name, Number(row.last_seq)]));
      for (const projection of projections) {
        const from = positions.get(projection.name) ?? 0;
        const wanted = types.get(projection.name)!;
        const relevant = events.filter((event) => event.seq > from && wanted.has(event.type));
        if (relevant.length > 0) {
          const started = performance.now();
          if (projection.projectBatch) await projection.projectBatch(relevant, tx);
          else for (const event of relevant) await projection.project(event, tx);
          onApplied?.(projection.name, relevant.length, performance.now() - started);
        }
      }
    },
  };
}
