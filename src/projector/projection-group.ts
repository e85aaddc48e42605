import { sql, type Kysely, type RawBuilder } from 'kysely';
import {
  checkpointStatement,
  furthestPosition,
  positionsJson,
  type CheckpointMove,
} from '../events/consumer-store/index.js';
import type { BatchHandler } from '../events/stream-consumer.js';
import type { StoredEvent } from '../events/envelope.js';
import type { Database } from '../../projections/database.js';
import type { Projection } from '../../projections/projection.js';

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
        select set_config('synchronous_commit', 'off', true) as sync, ${positionsJson(names)} as positions`.execute(tx);
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
    applyAtOnce: (events, db, move) => applyInTwoStatements(projections, types, events, db, move),
  };
}

/**
 * A batch of every member in two statements, outside a transaction block, whatever the number of members and
 * events: (1) one read with every member's load and the members' positions; (2) every member's writes as CTEs of
 * one statement with the checkpoint guard, the members' positions and the notification — its own transaction, all
 * or nothing (a failed guard raises and rolls it back). The read needs no transaction: only the lease holder writes
 * these tables, and the guard rejects the batch if another writer moved the checkpoint since. Not for a batch that
 * reaches a member without steps, or while a member is ahead of the group (just rebuilt): false, and the runner
 * applies it in a transaction instead.
 */
async function applyInTwoStatements(
  projections: readonly Projection[],
  types: ReadonlyMap<string, ReadonlySet<string>>,
  events: readonly StoredEvent[],
  db: Kysely<Database>,
  move: CheckpointMove,
): Promise<boolean> {
  const parts = projections
    .map((projection) => ({
      projection,
      relevant: events.filter((event) => types.get(projection.name)!.has(event.type)),
    }))
    .filter((part) => part.relevant.length > 0);
  if (parts.some((part) => !part.projection.steps)) return false;
  if (parts.length === 0) {
    await checkpointStatement(move, { raise: true, asyncCommit: true }).execute(db);
    return true;
  }
  const loads = parts.map((part) => part.projection.steps!.load?.(part.relevant) ?? null);
  const names = projections.map((projection) => projection.name);
  const columns = loads.map((load, i) => sql`(${load ?? sql`null`}) as ${sql.id(`load_${i}`)}`);
  const { rows } = await sql<Record<string, unknown>>`select
      ${furthestPosition(names)} as ahead,
      ${sql.join(columns)}`.execute(db);
  const loaded = rows[0]!;
  if (Number(loaded.ahead) > move.previous) return false;
  const writes: RawBuilder<unknown>[] = parts.flatMap((part, i) =>
    part.projection.steps!.write(part.relevant, loaded[`load_${i}`] ?? null),
  );
  await checkpointStatement(move, { writes, raise: true, asyncCommit: true }).execute(db);
  return true;
}
