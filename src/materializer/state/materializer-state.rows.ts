import { sql, type SelectQueryBuilder, type Transaction } from 'kysely';
import type { Database } from '../../../projections/database.js';
import type { TriggerReason } from '../materializer.events.js';
import { assetPartitionKey, splitKey, targetKey, type AutoRunRecord, type StoredParameters } from '../saga-state.js';
import type { TrackedState } from './materializer-state.load.js';
import { STATE_MAPS, type StateKeys } from './state-keys.js';

type Tx = Transaction<Database>;

function tuples(keys: Set<string>): string[][] {
  return [...keys].map(splitKey);
}

/** Loads the per-key rows (latest, seen, targets, parameters, runs) of `keys` in one round trip. */
export async function loadRows(tx: Tx, keys: StateKeys, state: TrackedState): Promise<void> {
  for (const name of STATE_MAPS)
    if (name !== 'workflows' && name !== 'consumers') for (const key of keys[name]) state[name].markLoaded(key);
  const query = rowsQuery(tx, keys);
  if (!query) return;
  for (const { kind, row } of await query.execute()) ROW_READERS[kind](state, row as never);
}

type Row = { kind: RowKind; row: unknown };
type RowKind = 'latest' | 'seen' | 'target' | 'parameters' | 'run';

/** One `union all` over the tables with keys, each row as jsonb tagged with its table. */
function rowsQuery(tx: Tx, keys: StateKeys) {
  const tagged = (kind: RowKind, table: string) =>
    [sql<RowKind>`${sql.lit(kind)}`.as('kind'), sql<unknown>`to_jsonb(${sql.table(table)}.*)`.as('row')] as const;
  const parts = [];
  if (keys.latest.size > 0) {
    parts.push(
      tx
        .selectFrom('materializer_latest')
        .select(tagged('latest', 'materializer_latest'))
        .where(({ eb, refTuple, tuple }) =>
          eb(
            refTuple('workflow_slug', 'asset_id', 'partition_key_norm'),
            'in',
            tuples(keys.latest).map(([a, b, c]) => tuple(a!, b!, c!)),
          ),
        ),
    );
  }
  if (keys.seen.size > 0)
    parts.push(
      tx
        .selectFrom('materializer_seen_event')
        .select(tagged('seen', 'materializer_seen_event'))
        .where('event_id', 'in', [...keys.seen]),
    );
  if (keys.targets.size > 0) {
    parts.push(
      tx
        .selectFrom('materializer_target')
        .select(tagged('target', 'materializer_target'))
        .where(({ eb, refTuple, tuple }) =>
          eb(
            refTuple('workflow_slug', 'partition_key_norm'),
            'in',
            tuples(keys.targets).map(([a, b]) => tuple(a!, b!)),
          ),
        ),
    );
  }
  if (keys.parameters.size > 0) {
    parts.push(
      tx
        .selectFrom('materializer_parameters')
        .select(tagged('parameters', 'materializer_parameters'))
        .where(({ eb, refTuple, tuple }) =>
          eb(
            refTuple('workflow_slug', 'partition_key_norm'),
            'in',
            tuples(keys.parameters).map(([a, b]) => tuple(a!, b!)),
          ),
        ),
    );
  }
  if (keys.runs.size > 0)
    parts.push(
      tx
        .selectFrom('materializer_run')
        .select(tagged('run', 'materializer_run'))
        .where('run_id', 'in', [...keys.runs]),
    );
  if (parts.length === 0) return null;
  return (parts as Array<SelectQueryBuilder<Database, keyof Database, Row>>).reduce((union, part) =>
    union.unionAll(part),
  );
}

type Json = Record<string, any>;
const ROW_READERS: Record<RowKind, (state: TrackedState, row: Json) => void> = {
  latest: (state, row) =>
    state.latest.set(assetPartitionKey(row.workflow_slug, row.asset_id, row.partition_key_norm), {
      eventId: row.event_id,
      seq: Number(row.seq),
      producedAt: row.produced_at,
    }),
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
    const stored: StoredParameters = {
      parameters: row.parameters,
      source: row.source === 'manual' ? 'manual' : 'captured',
    };
    state.parameters.set(assetPartitionKey(row.workflow_slug, row.asset_id, row.partition_key_norm), stored);
  },
  run: (state, row) =>
    state.runs.set(row.run_id, {
      runId: row.run_id,
      workflowSlug: row.workflow_slug,
      partitionKey: row.partition_key,
      chain: row.chain,
      status: row.status as AutoRunRecord['status'],
    }),
};
