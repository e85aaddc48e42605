import type { Transaction } from 'kysely';
import type { Database } from '../../../projections/database.js';
import type { MaterializerState } from '../saga-state.js';
import { parametersScope, STATE_MAPS, type StateKeys } from './state-keys.js';
import type { GraphCache } from './graph-cache.js';
import { TrackedMap } from './tracked-map.js';

type Tx = Transaction<Database>;

/** A state whose maps track which keys were loaded (so lookups outside them are reported as misses). */
export type TrackedState = {
  [K in keyof MaterializerState]: MaterializerState[K] &
    TrackedMap<MaterializerState[K] extends Map<string, infer V> ? V : never>;
};

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

/** Loads workflow definitions and consumers: from the cache of committed rows, the rest from the database. */
export async function loadGraph(tx: Tx, keys: StateKeys, state: TrackedState, cache: GraphCache): Promise<void> {
  state.workflows.markLoadedAll(keys.workflows);
  state.consumers.markLoadedAll(keys.consumers);
  const slugs = [...keys.workflows].filter((slug) => fromCache(state.workflows, slug, cache.workflow(slug)));
  const assets = [...keys.consumers].filter((assetId) =>
    fromCache(state.consumers, assetId, cache.consumersOf(assetId)),
  );
  if (slugs.length > 0) {
    const rows = await tx
      .selectFrom('materializer_workflow')
      .select(['slug', 'definition'])
      .where('slug', 'in', slugs)
      .execute();
    const found = new Map(rows.map((row) => [row.slug, row.definition]));
    for (const slug of slugs) {
      const workflow = found.get(slug) ?? null;
      cache.rememberWorkflow(slug, workflow);
      if (workflow) state.workflows.set(slug, workflow);
    }
  }
  if (assets.length > 0) {
    const rows = await tx
      .selectFrom('materializer_consumer')
      .select(['asset_id', 'workflow_slug'])
      .where('asset_id', 'in', assets)
      .orderBy('workflow_slug')
      .execute();
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
