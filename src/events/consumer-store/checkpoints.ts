import pg from 'pg';
import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { Database } from '../../../projections/database.js';

/** The channel a projection's checkpoint move is announced on (`pg_notify`, delivered when the batch commits). */
export const CHECKPOINT_CHANNEL = 'apphub_checkpoint';

/** The payload on `CHECKPOINT_CHANNEL`: these checkpoints reached `seq`; `at` = epoch ms of the statement. */
export interface CheckpointNotice {
  names: string[];
  seq: number;
  at: number;
}

/** Another writer moved the checkpoint (a second runner, a rebuild swap): the batch must roll back. */
export class CheckpointMovedError extends Error {
  override name = 'CheckpointMovedError';
}

/**
 * A newer lease of the consumer already wrote its checkpoint: this writer is a leader that lost its lease (frozen,
 * partitioned) and resumed. Its batch rolled back; it must stop and stand by.
 */
export class LeaseFencedError extends Error {
  override name = 'LeaseFencedError';
}

/** The lease a write is made under: its owner and its KV revision (increasing with every acquisition and renewal). */
export interface LeaseFence {
  owner: string;
  revision: number;
}

/**
 * The consumer's position (`projection_checkpoint.last_seq`), created at 0 on first use. `alsoRead` runs in the
 * same repeatable-read transaction after the checkpoint is read, so what it loads (a process manager's state) is
 * exactly what was committed with that position, even while an earlier leader's last write is committing.
 */
export async function loadCheckpoint(
  db: Kysely<Database>,
  name: string,
  prepare?: (tx: Transaction<Database>) => Promise<void>,
  alsoRead?: (snapshot: Transaction<Database>) => Promise<void>,
): Promise<number> {
  await db.transaction().execute(async (tx) => {
    await prepare?.(tx);
    await tx
      .insertInto('projection_checkpoint')
      .values({ name, last_seq: 0 })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
  });
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (tx) => {
      await prepare?.(tx);
      const row = await tx
        .selectFrom('projection_checkpoint')
        .select('last_seq')
        .where('name', '=', name)
        .executeTakeFirstOrThrow();
      await alsoRead?.(tx);
      return row.last_seq;
    });
}

/** SQLSTATE raised by `projection_checkpoint_moved()` (migration 20261207T1400). */
const CHECKPOINT_MOVED_SQLSTATE = 'AH409';
/** SQLSTATE raised by `projection_lease_fenced()` (migration 20261207T1600). */
const LEASE_FENCED_SQLSTATE = 'AH410';

/**
 * The error a one-statement batch raised when its guard failed, as `LeaseFencedError` / `CheckpointMovedError`;
 * null for any other error.
 */
export function checkpointRefusal(error: unknown, name: string): Error | null {
  if (!(error instanceof pg.DatabaseError)) return null;
  if (error.code === LEASE_FENCED_SQLSTATE) return new LeaseFencedError(`a newer lease of ${name} already wrote`);
  if (error.code === CHECKPOINT_MOVED_SQLSTATE) return new CheckpointMovedError(`checkpoint of ${name} moved`);
  return null;
}

export interface CheckpointMove {
  name: string;
  previous: number;
  lastSeq: number;
  /** A projection group's members: moved to `lastSeq` in the same statement unless already ahead. */
  members?: readonly string[];
  /** Announce the move on `CHECKPOINT_CHANNEL` (delivered when the transaction commits). */
  notify?: boolean;
  /** The writer's lease: refused if a newer revision already wrote; stored with the checkpoint. */
  fence?: LeaseFence | null;
}

/**
 * One statement: `writes` (data-modifying statements, run as CTEs), the checkpoint moved only from where this runner
 * left it and only under a lease no older than the last writer's (`guard`), the members' rows, and with `notify`
 * the announcement. With `raise`, a failed guard raises `AH410` (fenced) or `AH409` (moved) so the whole statement
 * rolls back (for a statement that is its own transaction); otherwise it returns `moved = 0` (and `fenced`) and the
 * caller rolls back. With `asyncCommit`, the statement's transaction commits without waiting for the WAL flush
 * (rows and checkpoint commit together, so a commit lost in a crash is replayed).
 */
export function checkpointStatement(
  move: CheckpointMove,
  options: { writes?: readonly RawBuilder<unknown>[]; raise?: boolean; asyncCommit?: boolean } = {},
): RawBuilder<{ moved: number; fenced: boolean }> {
  const { name, previous, lastSeq, members = [], fence = null } = move;
  const writes = (options.writes ?? []).map((write, i) => sql`${sql.id(`write_${i}`)} as (${write}),`);
  const announce = move.notify
    ? sql`pg_notify(${CHECKPOINT_CHANNEL}, json_build_object('names', ${[name, ...members]}::text[],
        'seq', ${lastSeq}::bigint, 'at', floor(extract(epoch from clock_timestamp()) * 1000))::text)`
    : sql`null`;
  const refuse = options.raise
    ? sql`case when fenced then projection_lease_fenced(${name}) else projection_checkpoint_moved(${name}) end`
    : sql`null`;
  const commit = options.asyncCommit ? sql`set_config('synchronous_commit', 'off', true)` : sql`null`;
  // Without a lease (tools, rebuilds) the stored lease is kept; with one, a newer stored revision refuses the write.
  const revision = fence ? sql`${fence.revision}::bigint` : sql`null::bigint`;
  return sql<{ moved: number; fenced: boolean }>`
    with ${sql.join(writes, sql` `)} guard as (
      update projection_checkpoint set last_seq = ${lastSeq}, updated_at = now(),
        lease_owner = coalesce(${fence?.owner ?? null}::text, lease_owner),
        lease_revision = coalesce(${revision}, lease_revision)
      where name = ${name} and last_seq = ${previous}
        and (${revision} is null or lease_revision is null or lease_revision <= ${revision})
      returning 1
    ), members as (
      insert into projection_checkpoint (name, last_seq) select member, ${lastSeq}::bigint
      from unnest(${members as string[]}::text[]) as member
      on conflict (name) do update
        set last_seq = greatest(projection_checkpoint.last_seq, excluded.last_seq), updated_at = now()
      returning 1
    )
    select moved, fenced, ${commit} as commit_mode,
      case when moved = 1 then ${announce} else ${refuse} end as signal
    from (select (select count(*) from guard)::int as moved,
      coalesce((select lease_revision > ${revision} from projection_checkpoint where name = ${name}), false) as fenced
    ) as result`;
}

/**
 * Moves the checkpoint only from where this runner left it, and only under a lease no older than the last writer's:
 * otherwise the transaction rolls back (`CheckpointMovedError`, `LeaseFencedError`). `members` (a projection
 * group's) move to `lastSeq` in the same statement unless already ahead. With `notify`, the same statement
 * announces the move on `CHECKPOINT_CHANNEL`; Postgres delivers it only when the transaction commits, so whoever
 * hears it sees the rows (and nothing is announced for a batch that rolls back).
 */
export async function saveCheckpoint(
  tx: Kysely<Database>,
  name: string,
  previous: number,
  lastSeq: number,
  members: readonly string[] = [],
  notify = false,
  fence: LeaseFence | null = null,
): Promise<void> {
  const { rows } = await checkpointStatement({ name, previous, lastSeq, members, notify, fence }).execute(tx);
  if (rows[0]!.moved === 1) return;
  if (rows[0]!.fenced) throw new LeaseFencedError(`a newer lease of ${name} already wrote`);
  throw new CheckpointMovedError(`checkpoint of ${name} moved`);
}

/**
 * After the leases bucket was deleted and created again its revisions start over: a stored revision above every
 * revision the bucket has issued cannot be a newer lease, so it is forgotten (else every write would be refused).
 */
export async function forgetImpossibleFence(db: Kysely<Database>, name: string, bucketLastRevision: number) {
  const { numUpdatedRows } = await db
    .updateTable('projection_checkpoint')
    .set({ lease_revision: null, lease_owner: null })
    .where('name', '=', name)
    .where('lease_revision', '>', bucketLastRevision)
    .executeTakeFirst();
  return Number(numUpdatedRows) > 0;
}
