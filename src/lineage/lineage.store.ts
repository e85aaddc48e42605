import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../../projections/database.js';
import { producerSnapshot, runLineageSnapshot } from './lineage.snapshots.js';
import { emptyLineageState, type LineageState } from './lineage.state.js';

/** What a batch changed: runs (written, or deleted when no longer open) and workflows whose products changed. */
export interface LineageChanges {
  runIds: Set<string>;
  slugs: Set<string>;
}

/**
 * Bumps the emitter's generation inside the batch transaction and returns the value it had before. An emitter whose
 * own last generation differs knows its memory is stale (another instance, a rolled-back batch) and hydrates.
 */
export async function bumpGeneration(tx: Transaction<Database>, name: string): Promise<number> {
  const row = await tx
    .insertInto('lineage_emitter')
    .values({ name, generation: 1 })
    .onConflict((oc) => oc.column('name').doUpdateSet({ generation: sql`lineage_emitter.generation + 1` }))
    .returning('generation')
    .executeTakeFirstOrThrow();
  return Number(row.generation) - 1;
}

/** The emitter's generation as last committed (0 before its first batch). */
export async function readGeneration(db: Kysely<Database>, name: string): Promise<number> {
  const row = await db.selectFrom('lineage_emitter').select('generation').where('name', '=', name).executeTakeFirst();
  return row ? Number(row.generation) : 0;
}

/**
 * The state and the generation it belongs to, read together: in one repeatable-read transaction (a short read,
 * over before anything is delivered), or in `db` itself when it already is a transaction.
 */
export async function loadLineageSnapshot(
  db: Kysely<Database>,
  name: string,
): Promise<{ state: LineageState; generation: number }> {
  const read = async (tx: Transaction<Database>) => ({
    generation: await readGeneration(tx, name),
    state: await loadLineageState(tx),
  });
  if (db.isTransaction) return read(db as Transaction<Database>);
  return db.transaction().setIsolationLevel('repeatable read').execute(read);
}

/** The whole state, as the last committed batch left it (as seen by `tx`). */
export async function loadLineageState(tx: Transaction<Database>): Promise<LineageState> {
  const state = emptyLineageState();
  const [runs, producers] = await Promise.all([
    tx.selectFrom('lineage_run').select(['run_id', 'state']).orderBy('run_id').execute(),
    tx.selectFrom('lineage_producer').select(['workflow_slug', 'assets']).orderBy('workflow_slug').execute(),
  ]);
  for (const row of runs) state.runs.set(row.run_id, runLineageSnapshot.decode(row.state));
  for (const row of producers) state.producers.set(row.workflow_slug, producerSnapshot.decode(row.assets));
  return state;
}

/** Writes what a batch changed: one upsert and one delete for runs, one upsert for producers. */
export async function saveLineageChanges(
  tx: Transaction<Database>,
  state: LineageState,
  changes: LineageChanges,
): Promise<void> {
  const open = [...changes.runIds].flatMap((id) => {
    const run = state.runs.get(id);
    return run ? [{ run_id: id, workflow_slug: run.slug, state: JSON.stringify(runLineageSnapshot.encode(run)) }] : [];
  });
  const closed = [...changes.runIds].filter((id) => !state.runs.has(id));
  if (open.length > 0) {
    await tx
      .insertInto('lineage_run')
      .values(open)
      .onConflict((oc) => oc.column('run_id').doUpdateSet({ state: sql`excluded.state`, updated_at: sql`now()` }))
      .execute();
  }
  if (closed.length > 0)
    await tx
      .deleteFrom('lineage_run')
      .where('run_id', '=', sql<string>`any(${closed})`)
      .execute();
  const producers = [...changes.slugs].map((slug) => ({
    workflow_slug: slug,
    assets: JSON.stringify(producerSnapshot.encode(state.producers.get(slug) ?? [])),
  }));
  if (producers.length > 0) {
    await tx
      .insertInto('lineage_producer')
      .values(producers)
      .onConflict((oc) => oc.column('workflow_slug').doUpdateSet({ assets: sql`excluded.assets` }))
      .execute();
  }
}
