import { sql } from 'kysely';
import type { BatchHandler } from '../src/events/consumer-runner.js';
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
    async handle(events, tx) {
      const lastSeq = events[events.length - 1]!.seq;
      await sql`set local synchronous_commit = off`.execute(tx);
      const rows = await tx
        .selectFrom('projection_checkpoint')
        .select(['name', 'last_seq'])
        .where('name', 'in', names)
        .execute();
      const positions = new Map(rows.map((row) => [row.name, row.last_seq]));
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
      await tx
        .insertInto('projection_checkpoint')
        .values(names.map((member) => ({ name: member, last_seq: lastSeq })))
        .onConflict((oc) =>
          oc.column('name').doUpdateSet({
            last_seq: sql`greatest(projection_checkpoint.last_seq, excluded.last_seq)`,
            updated_at: sql`now()`,
          }),
        )
        .execute();
    },
  };
}
