import { sql, type SelectQueryBuilder, type Transaction } from 'kysely';
import type { Database } from '../../../projections/database.js';
import type { TriggerReason } from '../materializer.events.js';
import { assetPartitionKey, splitKey, targetKey, type AutoRunRecord, type MaterializerState, type StoredParameters } from '../saga-state.js';
import { parametersScope, STATE_MAPS, type StateKeys } from './state-keys.js';
import type { GraphCache } from './graph-cache.js';
import { TrackedMap } from './tracked-map.js';

type Tx = Transaction<Database>;

/** A state whose maps track which keys were loaded (so lookups outside them are reported as misses). */
export type TrackedState = { [K in keyof MaterializerState]: MaterializerState[K] & TrackedMap<MaterializerState[K] extends Map<string, infer V> ? V : never> };

export function trackedState(): TrackedState {
  return {
    workflows: new TrackedMap(),
    consumers: new TrackedMap(),
    latest: new TrackedMap(),
    targets: new TrackedMap(),
    runs: new TrackedMap(),
    parameters: new TrackedMap(parametersScope),
    seen: new TrackedMap(),
  };
}

/** The scopes lookups missed, as keys to load next. */
export function missedKeys(state: TrackedState): StateKeys {
  const keys = {} as StateKeys;
  for (const name of STATE_MAPS) keys[name] = new Set(state[name].misses);
  return keys;
}

function tuples(keys: Set<string>): string[][] {
  return [...keys].map(splitKey);
}

/** Marks every key of `keys` as loaded (what exists is in the map after the loads). */
function markLoaded(keys: StateKeys, state: TrackedState): void {
  for (const name of STATE_MAPS) for (const key of keys[name]) state[name].markLoaded(key);
}

/** Loads workflow definitions and consumers: from the cache of committed rows, the rest from the database. */
export async function loadGraph(tx: Tx, keys: StateKeys, state: TrackedState, cache: GraphCache): Promise<void> {
  state.workflows.markLoadedAll(keys.workflows);
  state.consumers.markLoadedAll(keys.consumers);
  const slugs = [...keys.workflows].filter((slug) => fromCache(state.workflows, slug, cache.workflow(slug)));
  const assets = [...keys.consumers].filter((assetId) => fromCache(state.consumers, assetId, cache.consumersOf(assetId)));
  if (slugs.length > 0) {
    const rows = await tx.selectFrom('materializer_workflow').select(['slug', 'definition']).where('slug', 'in', slugs).execute();
    const found = new Map(rows.map((row) => [row.slug, row.definition]));
    for (const slug of slugs) {
      const workflow = found.get(slug) ?? null;
      cache.rememberWorkflow(slug, workflow);
      if (workflow) state.workflows.set(slug, workflow);
    }
  }
  if (assets.length > 0) {
    const rows = await tx.selectFrom('materializer_consumer').select(['asset_id', 'workflow_slug']).where('asset_id', 'in', assets).orderBy('workflow_slug').execute();
    const byAsset = new Map<string, string[]>(assets.map((assetId) => [assetId, []]));
    for (const row of rows) byAsset.get(row.asset_id)!.push(row.workflow_slug);
    for (const [assetId, consumers] of byAsset) {
      cache.rememberConsumers(assetId, consumers);
      if (consumers.length > 0) state.consumers.set(assetId, consumers);
    }
  }
}

/** Puts a cached value into the state; true when the key still has to be read from the database. */
function fromCache<V>(map: Map<string, V>, key: string, cached: V | null | undefined): boolean {
  if (cached === undefined) return true;
  if (cached !== null && !(Array.isArray(cached) && cached.length === 0)) map.set(key, cached);
  return false;
}

/** Loads the per-key rows (latest, seen, targets, parameters, runs) of `keys` in one round trip. */
export async function loadRows(tx: Tx, keys: StateKeys, state: TrackedState): Promise<void> {
  markLoaded({ ...keys, workflows: new Set(), consumers: new Set() }, state);
  const query = rowsQuery(tx, keys);
  if (!query) return;
  for (const { kind, row } of await query.execute()) ROW_READERS[kind](state, row as never);
}

type Row = { kind: RowKind; row: unknown };
type RowKind = 'latest' | 'seen' | 'target' | 'parameters' | 'run';

/** One `union all` over the tables with keys, each row as jsonb tagged with its table. */
function rowsQuery(tx: Tx, keys: StateKeys) {
  const tagged = (kind: RowKind, table: string) => [sql<RowKind>`${sql.lit(kind)}`.as('kind'), sql<unknown>`to_jsonb(${sql.table(table)}.*)`.as('row')] as const;
  const parts = [];
  if (keys.latest.size > 0) {
    parts.push(tx.selectFrom('materializer_latest').select(tagged('latest', 'materializer_latest')).where(({ eb, refTuple, tuple }) => eb(refTuple('workflow_slug', 'asset_id', 'partition_key_norm'), 'in', tuples(keys.latest).map(([a, b, c]) => tuple(a!, b!, c!)))));
  }
  if (keys.seen.size > 0) parts.push(tx.selectFrom('materializer_seen_event').select(tagged('seen', 'materializer_seen_event')).where('event_id', 'in', [...keys.seen]));
  if (keys.targets.size > 0) {
    parts.push(tx.selectFrom('materializer_target').select(tagged('target', 'materializer_target')).where(({ eb, refTuple, tuple }) => eb(refTuple('workflow_slug', 'partition_key_norm'), 'in', tuples(keys.targets).map(([a, b]) => tuple(a!, b!)))));
  }
  if (keys.parameters.size > 0) {
    parts.push(tx.selectFrom('materializer_parameters').select(tagged('parameters', 'materializer_parameters')).where(({ eb, refTuple, tuple }) => eb(refTuple('workflow_slug', 'partition_key_norm'), 'in', tuples(keys.parameters).map(([a, b]) => tuple(a!, b!)))));
  }
  if (keys.runs.size > 0) parts.push(tx.selectFrom('materializer_run').select(tagged('run', 'materializer_run')).where('run_id', 'in', [...keys.runs]));
  if (parts.length === 0) return null;
  return (parts as Array<SelectQueryBuilder<Database, keyof Database, Row>>).reduce((union, part) => union.unionAll(part));
}

type Json = Record<string, any>;
const ROW_READERS: Record<RowKind, (state: TrackedState, row: Json) => void> = {
  latest: (state, row) => state.latest.set(assetPartitionKey(row.workflow_slug, row.asset_id, row.partition_key_norm), { eventId: row.event_id, seq: Number(row.seq), producedAt: row.produced_at }),
  seen: (state, row) => state.seen.set(row.event_id, Number(row.seq)),
  target: (state, row) =>
    state.targets.set(targetKey(row.workflow_slug, row.partition_key_norm), {
      workflowSlug: row.workflow_slug,
      partitionKey: row.partition_key,
      inFlight: row.in_flight ? { ...row.in_flight, reason: row.in_flight.reason as TriggerReason } : null,
      pending: row.pending,
      failures: Number(row.failures),
      nextEligibleAt: row.next_eligible_at,
    }),
  parameters: (state, row) => {
    const stored: StoredParameters = { parameters: row.parameters, source: row.source === 'manual' ? 'manual' : 'captured' };
    state.parameters.set(assetPartitionKey(row.workflow_slug, row.asset_id, row.partition_key_norm), stored);
  },
  run: (state, row) =>
    state.runs.set(row.run_id, { runId: row.run_id, workflowSlug: row.workflow_slug, partitionKey: row.partition_key, chain: row.chain, status: row.status as AutoRunRecord['status'] }),
};
