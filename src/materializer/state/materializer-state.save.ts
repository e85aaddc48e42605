import { sql, type QueryCreator, type Transaction } from 'kysely';
import type { Database } from '../../../projections/database.js';
import { splitKey, type MaterializerState } from '../saga-state.js';
import { consumedAssetIds } from '../workflow-graph.js';
import type { TrackedState } from './materializer-state.load.js';
import { STATE_MAPS } from './state-keys.js';

type Tx = Transaction<Database>;
type Snapshot = { [K in keyof MaterializerState]: Map<string, unknown> };
/** One write of the batch, as a data-modifying common table expression. */
type Write = (db: QueryCreator<Database>) => { compile(): unknown };
/** Rows per write and writes per statement: far below Postgres's 65,535 bind parameters per statement. */
const CHUNK = 500;
const WRITES_PER_STATEMENT = 5;

/** A copy of the loaded entries (values are immutable, so identity tells what changed). */
export function snapshotState(state: TrackedState): Snapshot {
  const snapshot = {} as Snapshot;
  for (const name of STATE_MAPS) snapshot[name] = new Map<string, unknown>([...(state[name] as Map<string, unknown>).entries()]);
  return snapshot;
}

/** Entries whose value differs from the snapshot (values are replaced, never edited). */
export function changed<V>(map: Map<string, V>, before: Map<string, unknown>): Array<[string, V]> {
  return [...map.entries()].filter(([key, value]) => before.get(key) !== value);
}

function removed(map: TrackedState[keyof TrackedState]): string[][] {
  return [...map.removed].filter((key) => !map.has(key)).map(splitKey);
}

function chunks<T>(rows: T[], size = CHUNK): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < rows.length; start += size) result.push(rows.slice(start, start + size));
  return result;
}

/**
 * Writes what the batch changed, set-based, in the transaction that also stores the checkpoint: definitions first
 * (their consumer rows are replaced), then every other table in one statement of data-modifying CTEs (Postgres runs
 * each exactly once), so a batch costs one round trip to save whatever it touched.
 */
export async function saveState(tx: Tx, state: TrackedState, before: Snapshot): Promise<void> {
  await saveWorkflows(tx, state, before);
  const writes = [...latestWrites(state, before), ...targetWrites(state, before), ...runWrites(state, before), ...parameterWrites(state, before), ...seenWrites(state, before)];
  for (const group of chunks(writes, WRITES_PER_STATEMENT)) {
    let creator: QueryCreator<Database> = tx;
    group.forEach((write, index) => (creator = creator.with(`w${index}`, (db) => write(db) as never) as unknown as QueryCreator<Database>));
    await creator.selectNoFrom(sql<number>`1`.as('done')).execute();
  }
}

async function saveWorkflows(tx: Tx, state: TrackedState, before: Snapshot): Promise<void> {
  for (const [slug, workflow] of changed(state.workflows, before.workflows)) {
    await tx.insertInto('materializer_workflow').values({ slug, definition: JSON.stringify(workflow) }).onConflict((oc) => oc.column('slug').doUpdateSet({ definition: JSON.stringify(workflow) })).execute();
    await tx.deleteFrom('materializer_consumer').where('workflow_slug', '=', slug).execute();
    const rows = [...consumedAssetIds(workflow)].map((asset_id) => ({ asset_id, workflow_slug: slug }));
    if (rows.length > 0) await tx.insertInto('materializer_consumer').values(rows).execute();
  }
}

function latestWrites(state: TrackedState, before: Snapshot): Write[] {
  const rows = changed(state.latest, before.latest).map(([key, value]) => {
    const [workflow_slug, asset_id, partition_key_norm] = splitKey(key) as [string, string, string];
    return { workflow_slug, asset_id, partition_key_norm, event_id: value.eventId, seq: value.seq, produced_at: value.producedAt };
  });
  return chunks(rows).map((chunk) => (db) =>
    db.insertInto('materializer_latest').values(chunk).onConflict((oc) => oc.columns(['workflow_slug', 'asset_id', 'partition_key_norm']).doUpdateSet((eb) => ({ event_id: eb.ref('excluded.event_id'), seq: eb.ref('excluded.seq'), produced_at: eb.ref('excluded.produced_at') }))),
  );
}

function targetWrites(state: TrackedState, before: Snapshot): Write[] {
  const rows = changed(state.targets, before.targets).map(([key, target]) => ({
    workflow_slug: target.workflowSlug,
    partition_key_norm: splitKey(key)[1]!,
    partition_key: target.partitionKey,
    in_flight: target.inFlight ? JSON.stringify(target.inFlight) : null,
    pending: target.pending ? JSON.stringify(target.pending) : null,
    failures: target.failures,
    next_eligible_at: target.nextEligibleAt,
  }));
  const upserts: Write[] = chunks(rows).map((chunk) => (db) =>
    db
      .insertInto('materializer_target')
      .values(chunk)
      .onConflict((oc) =>
        oc.columns(['workflow_slug', 'partition_key_norm']).doUpdateSet((eb) => ({
          in_flight: eb.ref('excluded.in_flight'),
          pending: eb.ref('excluded.pending'),
          failures: eb.ref('excluded.failures'),
          next_eligible_at: eb.ref('excluded.next_eligible_at'),
        })),
      ),
  );
  const gone = removed(state.targets);
  if (gone.length === 0) return upserts;
  return [...upserts, (db) => db.deleteFrom('materializer_target').where(({ eb, refTuple, tuple }) => eb(refTuple('workflow_slug', 'partition_key_norm'), 'in', gone.map(([a, b]) => tuple(a!, b!))))];
}

function runWrites(state: TrackedState, before: Snapshot): Write[] {
  const rows = changed(state.runs, before.runs).map(([, run]) => ({ run_id: run.runId, workflow_slug: run.workflowSlug, partition_key: run.partitionKey, chain: JSON.stringify(run.chain), status: run.status }));
  return chunks(rows).map((chunk) => (db) => db.insertInto('materializer_run').values(chunk).onConflict((oc) => oc.column('run_id').doUpdateSet((eb) => ({ status: eb.ref('excluded.status') }))));
}

function parameterWrites(state: TrackedState, before: Snapshot): Write[] {
  const rows = changed(state.parameters, before.parameters).map(([key, stored]) => {
    const [workflow_slug, asset_id, partition_key_norm] = splitKey(key) as [string, string, string];
    return { workflow_slug, asset_id, partition_key_norm, parameters: JSON.stringify(stored.parameters ?? null), source: stored.source };
  });
  const upserts: Write[] = chunks(rows).map((chunk) => (db) =>
    db.insertInto('materializer_parameters').values(chunk).onConflict((oc) => oc.columns(['workflow_slug', 'asset_id', 'partition_key_norm']).doUpdateSet((eb) => ({ parameters: eb.ref('excluded.parameters'), source: eb.ref('excluded.source') }))),
  );
  const gone = removed(state.parameters);
  if (gone.length === 0) return upserts;
  return [...upserts, (db) => db.deleteFrom('materializer_parameters').where(({ eb, refTuple, tuple }) => eb(refTuple('workflow_slug', 'asset_id', 'partition_key_norm'), 'in', gone.map(([a, b, c]) => tuple(a!, b!, c!))))];
}

function seenWrites(state: TrackedState, before: Snapshot): Write[] {
  const rows = [...state.seen.entries()].filter(([key]) => !before.seen.has(key)).map(([event_id, seq]) => ({ event_id, seq }));
  return chunks(rows).map((chunk) => (db) => db.insertInto('materializer_seen_event').values(chunk).onConflict((oc) => oc.column('event_id').doNothing()));
}
