import { sql, type Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../../projections/database.js';
import { projectionHandler } from '../../projections/projection-handler.js';
import type { Projection } from '../../projections/projection.js';
import { ConsumerRunner } from '../events/consumer-runner.js';
import type { EventStore } from '../events/event-store.js';
import type { NatsContext } from '../events/nats-context.js';

export interface RebuildDeps {
  db: Kysely<Database>;
  nats: NatsContext;
  store: EventStore;
  log: Logger;
  onProgress?: (projection: string, seq: number, target: number) => void;
}

export interface RebuildResult {
  projection: string;
  seq: number;
  rows: Record<string, number>;
}

const SUPPORT_TABLES = ['projection_checkpoint', 'projection_dead_letter'];

/**
 * Replays `<PREFIX>_EVENTS` into shadow copies of a projection's tables (schema `rebuild_<name>`), then swaps
 * them in while the live tables keep serving. The swap locks the live tables, so a live runner pauses for a
 * moment and resumes from the shadow's checkpoint (its own checkpoint guard makes it re-read it).
 */
export async function rebuildProjection(
  projection: Projection,
  deps: RebuildDeps,
  options: { swap?: boolean } = {},
): Promise<RebuildResult> {
  const shadow = `rebuild_${projection.name}`;
  await createShadow(deps.db, shadow, projection.tables);
  let seq = await catchUp(projection, shadow, deps, await deps.store.lastSequence());
  if (options.swap !== false) {
    for (;;) {
      const swapped = await trySwap(deps.db, projection, shadow, seq);
      if (swapped) break;
      seq = await catchUp(projection, shadow, deps, await deps.store.lastSequence());
    }
  }
  const rows: Record<string, number> = {};
  const schema = options.swap === false ? shadow : 'public';
  for (const table of projection.tables) {
    const result = await sql<{
      count: number;
    }>`select count(*)::int as count from ${sql.table(`${schema}.${table}`)}`.execute(deps.db);
    rows[table] = result.rows[0]!.count;
  }
  deps.log.info({ projection: projection.name, seq, rows, swapped: options.swap !== false }, 'rebuild finished');
  return { projection: projection.name, seq, rows };
}

/** Drops what a previous rebuild left and creates empty copies (same columns, indexes and constraints). */
async function createShadow(db: Kysely<Database>, shadow: string, tables: readonly string[]): Promise<void> {
  await sql`drop schema if exists ${sql.id(shadow)} cascade`.execute(db);
  await sql`create schema ${sql.id(shadow)}`.execute(db);
  for (const table of [...tables, ...SUPPORT_TABLES]) {
    await sql`create table ${sql.table(`${shadow}.${table}`)} (like ${sql.table(`public.${table}`)} including all)`.execute(
      db,
    );
  }
}

/** Applies the stream to the shadow tables until its checkpoint reaches `target`. */
async function catchUp(projection: Projection, shadow: string, deps: RebuildDeps, target: number): Promise<number> {
  const runner = new ConsumerRunner(projectionHandler(projection), {
    nats: deps.nats,
    store: deps.store,
    db: deps.db,
    log: deps.log,
    leaseTtlMs: 10_000,
    instanceId: `rebuild-${process.pid}`,
    withoutLease: true,
    batchSize: 1000,
    prepareTransaction: async (tx) => {
      await sql`select set_config('search_path', ${`${shadow}, public`}, true)`.execute(tx);
    },
  });
  runner.start();
  try {
    while (runner.lastSeq < target) {
      await runner.waitFor(target, 1000);
      deps.onProgress?.(projection.name, runner.lastSeq, target);
    }
  } finally {
    await runner.stop();
  }
  return runner.lastSeq;
}

/** Swaps shadow and live tables if the shadow is not behind the live checkpoint; false = catch up and retry. */
async function trySwap(
  db: Kysely<Database>,
  projection: Projection,
  shadow: string,
  shadowSeq: number,
): Promise<boolean> {
  const retired = `retired_${projection.name}`;
  const swapped = await db.transaction().execute(async (tx) => {
    for (const table of projection.tables)
      await sql`lock table ${sql.table(`public.${table}`)} in access exclusive mode`.execute(tx);
    const live = await tx
      .selectFrom('projection_checkpoint')
      .select('last_seq')
      .where('name', '=', projection.name)
      .forUpdate()
      .executeTakeFirst();
    if ((live?.last_seq ?? 0) > shadowSeq) return false;
    await sql`drop schema if exists ${sql.id(retired)} cascade`.execute(tx);
    await sql`create schema ${sql.id(retired)}`.execute(tx);
    for (const table of projection.tables) {
      await sql`alter table ${sql.table(`public.${table}`)} set schema ${sql.id(retired)}`.execute(tx);
      await sql`alter table ${sql.table(`${shadow}.${table}`)} set schema public`.execute(tx);
    }
    await tx
      .insertInto('projection_checkpoint')
      .values({ name: projection.name, last_seq: shadowSeq })
      .onConflict((oc) => oc.column('name').doUpdateSet({ last_seq: shadowSeq, updated_at: sql`now()` }))
      .execute();
    return true;
  });
  if (swapped) {
    await sql`drop schema if exists ${sql.id(retired)} cascade`.execute(db);
    await sql`drop schema if exists ${sql.id(shadow)} cascade`.execute(db);
  }
  return swapped;
}
