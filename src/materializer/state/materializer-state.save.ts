import { sql, type QueryCreator, type Transaction } from 'kysely';
import type { Database } from '../../../projections/database.js';
import { consumedAssetIds } from '../workflow-graph.js';
import type { TrackedState } from './materializer-state.load.js';
import { changed, chunks, type Snapshot } from './state-snapshot.js';
import { latestWrites, parameterWrites, runWrites, seenWrites, targetWrites } from './materializer-state.writes.js';

type Tx = Transaction<Database>;
const WRITES_PER_STATEMENT = 5;

/**
 * Writes what the batch changed, set-based, in the transaction that also stores the checkpoint: definitions first
 * (their consumer rows are replaced), then every other table in one statement of data-modifying CTEs (Postgres runs
 * each exactly once), so a batch costs one round trip to save whatever it touched.
 */
export async function saveState(tx: Tx, state: TrackedState, before: Snapshot): Promise<void> {
  await saveWorkflows(tx, state, before);
  const writes = [
    ...latestWrites(state, before),
    ...targetWrites(state, before),
    ...runWrites(state, before),
    ...parameterWrites(state, before),
    ...seenWrites(state, before),
  ];
  for (const group of chunks(writes, WRITES_PER_STATEMENT)) {
    let creator: QueryCreator<Database> = tx;
    group.forEach(
      (write, index) =>
        (creator = creator.with(`w${index}`, (db) => write(db) as never) as unknown as QueryCreator<Database>),
    );
    await creator.selectNoFrom(sql<number>`1`.as('done')).execute();
  }
}

async function saveWorkflows(tx: Tx, state: TrackedState, before: Snapshot): Promise<void> {
  for (const [slug, workflow] of changed(state.workflows, before.workflows)) {
    await tx
      .insertInto('materializer_workflow')
      .values({ slug, definition: JSON.stringify(workflow) })
      .onConflict((oc) => oc.column('slug').doUpdateSet({ definition: JSON.stringify(workflow) }))
      .execute();
    await tx.deleteFrom('materializer_consumer').where('workflow_slug', '=', slug).execute();
    const rows = [...consumedAssetIds(workflow)].map((asset_id) => ({ asset_id, workflow_slug: slug }));
    if (rows.length > 0) await tx.insertInto('materializer_consumer').values(rows).execute();
  }
}
