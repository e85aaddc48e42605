import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { Database } from '../../../projections/database.js';
import { asOneStatement } from '../../process-manager/write-statements.js';
import type { WorkflowDefinition } from '../../workflows/workflow-definition.js';
import {
  splitKey,
  targetKey,
  type AutoRunRecord,
  type LatestMaterialization,
  type StoredParameters,
  type TargetState,
} from '../saga-state.js';
import {
  chainSnapshot,
  checkBlockSnapshot,
  definitionSnapshot,
  inFlightSnapshot,
  pendingSnapshot,
  queuedSnapshot,
} from './materializer.snapshots.js';

/** What the materializer holds whole in memory while it has its lease. */
export interface MaterializerSnapshot {
  workflows: WorkflowDefinition[];
  targets: Map<string, TargetState>;
  /** Auto runs still in flight (`requested`). */
  runs: AutoRunRecord[];
}

/** What changed since the last write-back (`undefined` = deleted). */
export interface MaterializerChanges {
  workflows: WorkflowDefinition[];
  latest: Array<[string, LatestMaterialization | undefined]>;
  targets: Array<[string, TargetState | undefined]>;
  runs: AutoRunRecord[];
  parameters: Array<[string, StoredParameters | undefined]>;
  seen: Array<[string, number]>;
}

type Db = Kysely<Database>;

/**
 * The materializer's store (STYLE §6): the graph, targets and in-flight runs are loaded whole when the lease is
 * taken; latest materializations, stored parameters, ended runs and handled trigger ids are loaded per batch for
 * the keys it needs. Every read is a lateral primary-key lookup over `unnest` arrays and every write-back one
 * statement, so no plan depends on statistics.
 */
export async function loadMaterializerSnapshot(db: Db): Promise<MaterializerSnapshot> {
  const [workflows, targets, runs] = await Promise.all([
    db.selectFrom('materializer_workflow').select('definition').execute(),
    db
      .selectFrom('materializer_target')
      .select([
        'workflow_slug',
        'partition_key',
        'in_flight',
        'pending',
        'queued',
        'failures',
        'next_eligible_at',
        'check_block',
      ])
      .execute(),
    db
      .selectFrom('materializer_run')
      .select(['run_id', 'workflow_slug', 'partition_key', 'chain', 'status'])
      .where('status', '=', 'requested')
      .execute(),
  ]);
  return {
    workflows: workflows.map((row) => definitionSnapshot.decode(row.definition)),
    targets: new Map(
      targets.map((row) => [
        targetKey(row.workflow_slug, row.partition_key),
        {
          workflowSlug: row.workflow_slug,
          partitionKey: row.partition_key,
          inFlight: row.in_flight === null ? null : inFlightSnapshot.decode(row.in_flight),
          pending: row.pending === null ? null : pendingSnapshot.decode(row.pending),
          queued: queuedSnapshot.decode(row.queued),
          failures: row.failures,
          nextEligibleAt: row.next_eligible_at,
          ...(row.check_block ? { checkBlock: checkBlockSnapshot.decode(row.check_block) } : {}),
        },
      ]),
    ),
    runs: runs.map(toRun),
  };
}

/** The keys a batch asks for, per part (see `MaterializerReads`). */
export interface MaterializerKeys {
  latest: readonly string[];
  parameters: readonly string[];
  runs: readonly string[];
  seen: readonly string[];
}

/**
 * What one load round found: latest materializations and stored parameters by `assetPartitionKey`, auto runs by id
 * (ended ones included: their chains stop cycles), and the trigger event ids already handled.
 */
export interface MaterializerFound {
  latest: Map<string, LatestMaterialization>;
  parameters: Map<string, StoredParameters>;
  runs: Map<string, AutoRunRecord>;
  seen: Map<string, number>;
}

interface FoundRow {
  part: 0 | 1 | 2 | 3;
  k: string;
  event_id: string | null;
  seq: number | null;
  produced_at: string | null;
  parameters: unknown;
  source: StoredParameters['source'] | null;
  workflow_slug: string | null;
  partition_key: string | null;
  chain: unknown;
  status: string | null;
}

/**
 * A batch's load round as ONE statement (it was four queries on four pooled connections): each part a lateral
 * primary-key lookup over `unnest` arrays, the parts glued with `union all` into one row shape (typed nulls where a
 * part has no such column, so every value is parsed as it was). No plan depends on statistics.
 */
export async function loadMaterializerKeys(db: Db, keys: MaterializerKeys): Promise<MaterializerFound> {
  const found: MaterializerFound = { latest: new Map(), parameters: new Map(), runs: new Map(), seen: new Map() };
  if (keys.latest.length + keys.parameters.length + keys.runs.length + keys.seen.length === 0) return found;
  const latest = keys.latest.map(splitKey);
  const parameters = keys.parameters.map(splitKey);
  const { rows } = await sql<FoundRow>`
    select 0 as part, k.k, t.event_id, t.seq, t.produced_at, null::jsonb as parameters, null::text as source,
      null::text as workflow_slug, null::text as partition_key, null::jsonb as chain, null::text as status
    from unnest(${keys.latest}::text[], ${latest.map((p) => p[0]!)}::text[], ${latest.map((p) => p[1]!)}::text[],
      ${latest.map((p) => p[2]!)}::text[]) as k(k, slug, asset_id, key)
    cross join lateral (
      select event_id, seq, produced_at from materializer_latest l
      where l.workflow_slug = k.slug and l.asset_id = k.asset_id and l.partition_key_norm = k.key
    ) t
    union all
    select 1, k.k, null, null, null, t.parameters, t.source, null, null, null, null
    from unnest(${keys.parameters}::text[], ${parameters.map((p) => p[0]!)}::text[],
      ${parameters.map((p) => p[1]!)}::text[], ${parameters.map((p) => p[2]!)}::text[]) as k(k, slug, asset_id, key)
    cross join lateral (
      select parameters, source from materializer_parameters p
      where p.workflow_slug = k.slug and p.asset_id = k.asset_id and p.partition_key_norm = k.key
    ) t
    union all
    select 2, t.run_id, null, null, null, null, null, t.workflow_slug, t.partition_key, t.chain, t.status
    from unnest(${keys.runs}::text[]) as k(run_id)
    cross join lateral (select * from materializer_run r where r.run_id = k.run_id) t
    union all
    select 3, t.event_id, null, t.seq, null, null, null, null, null, null, null
    from unnest(${keys.seen}::text[]) as k(event_id)
    cross join lateral (select event_id, seq from materializer_seen_event s where s.event_id = k.event_id) t`.execute(
    db,
  );
  for (const row of rows) {
    switch (row.part) {
      case 0:
        found.latest.set(row.k, { eventId: row.event_id!, seq: row.seq!, producedAt: row.produced_at! });
        break;
      case 1:
        found.parameters.set(row.k, { parameters: row.parameters, source: row.source! });
        break;
      case 2:
        found.runs.set(
          row.k,
          toRun({
            run_id: row.k,
            workflow_slug: row.workflow_slug!,
            partition_key: row.partition_key,
            chain: row.chain,
            status: row.status!,
          }),
        );
        break;
      case 3:
        found.seen.set(row.k, row.seq!);
        break;
    }
  }
  return found;
}

/** Writes a batch window's changes in one statement (data-modifying CTEs, in the checkpoint's transaction). */
export async function saveMaterializerChanges(tx: Transaction<Database>, changes: MaterializerChanges): Promise<void> {
  const statements = materializerWriteStatements(changes);
  if (statements.length > 0) await asOneStatement(statements).execute(tx);
}

/** A batch window's changes as data-modifying statements (none when nothing changed). */
export function materializerWriteStatements(changes: MaterializerChanges): RawBuilder<unknown>[] {
  const latest = changes.latest.filter((entry): entry is [string, LatestMaterialization] => entry[1] !== undefined);
  const targets = changes.targets.filter((entry): entry is [string, TargetState] => entry[1] !== undefined);
  const goneTargets = changes.targets.filter(([, target]) => target === undefined).map(([key]) => splitKey(key));
  const parameters = changes.parameters.filter((entry): entry is [string, StoredParameters] => entry[1] !== undefined);
  const goneParameters = changes.parameters.filter(([, value]) => value === undefined).map(([key]) => splitKey(key));
  const latestParts = latest.map(([key]) => splitKey(key));
  const parameterParts = parameters.map(([key]) => splitKey(key));
  const total =
    changes.workflows.length +
    latest.length +
    changes.targets.length +
    changes.runs.length +
    changes.parameters.length +
    changes.seen.length;
  if (total === 0) return [];
  return [
    sql`insert into materializer_workflow (slug, definition)
      select * from unnest(${changes.workflows.map((w) => w.slug)}::text[],
        ${changes.workflows.map((w) => JSON.stringify(definitionSnapshot.encode(w)))}::jsonb[])
      on conflict (slug) do update set definition = excluded.definition
      returning 1`,
    sql`insert into materializer_latest (workflow_slug, asset_id, partition_key_norm, event_id, seq, produced_at)
      select * from unnest(${latestParts.map((p) => p[0]!)}::text[], ${latestParts.map((p) => p[1]!)}::text[],
        ${latestParts.map((p) => p[2]!)}::text[], ${latest.map(([, v]) => v.eventId)}::text[],
        ${latest.map(([, v]) => v.seq)}::bigint[], ${latest.map(([, v]) => v.producedAt)}::text[])
      on conflict (workflow_slug, asset_id, partition_key_norm)
        do update set event_id = excluded.event_id, seq = excluded.seq, produced_at = excluded.produced_at
      returning 1`,
    sql`insert into materializer_target
        (workflow_slug, partition_key_norm, partition_key, in_flight, pending, queued, failures, next_eligible_at,
          check_block)
      select * from unnest(${targets.map(([, t]) => t.workflowSlug)}::text[],
        ${targets.map(([, t]) => t.partitionKey ?? '')}::text[], ${targets.map(([, t]) => t.partitionKey)}::text[],
        ${targets.map(([, t]) => json(t.inFlight && inFlightSnapshot.encode(t.inFlight)))}::jsonb[],
        ${targets.map(([, t]) => json(t.pending && pendingSnapshot.encode(t.pending)))}::jsonb[],
        ${targets.map(([, t]) => JSON.stringify(queuedSnapshot.encode(t.queued)))}::jsonb[],
        ${targets.map(([, t]) => t.failures)}::int[], ${targets.map(([, t]) => t.nextEligibleAt)}::text[],
        ${targets.map(([, t]) => json(t.checkBlock && checkBlockSnapshot.encode(t.checkBlock)))}::jsonb[])
      on conflict (workflow_slug, partition_key_norm) do update set in_flight = excluded.in_flight,
        pending = excluded.pending, queued = excluded.queued, failures = excluded.failures,
        next_eligible_at = excluded.next_eligible_at, check_block = excluded.check_block
      returning 1`,
    sql`delete from materializer_target t using unnest(${goneTargets.map((p) => p[0]!)}::text[],
        ${goneTargets.map((p) => p[1]!)}::text[]) as g(slug, key)
      where t.workflow_slug = g.slug and t.partition_key_norm = g.key
      returning 1`,
    sql`insert into materializer_run (run_id, workflow_slug, partition_key, chain, status)
      select * from unnest(${changes.runs.map((r) => r.runId)}::text[],
        ${changes.runs.map((r) => r.workflowSlug)}::text[], ${changes.runs.map((r) => r.partitionKey)}::text[],
        ${changes.runs.map((r) => JSON.stringify(chainSnapshot.encode(r.chain)))}::jsonb[],
        ${changes.runs.map((r) => r.status)}::text[])
      on conflict (run_id) do update set status = excluded.status
      returning 1`,
    sql`insert into materializer_parameters (workflow_slug, asset_id, partition_key_norm, parameters, source)
      select * from unnest(${parameterParts.map((p) => p[0]!)}::text[], ${parameterParts.map((p) => p[1]!)}::text[],
        ${parameterParts.map((p) => p[2]!)}::text[],
        ${parameters.map(([, v]) => JSON.stringify(v.parameters ?? null))}::jsonb[],
        ${parameters.map(([, v]) => v.source)}::text[])
      on conflict (workflow_slug, asset_id, partition_key_norm)
        do update set parameters = excluded.parameters, source = excluded.source
      returning 1`,
    sql`delete from materializer_parameters t using unnest(${goneParameters.map((p) => p[0]!)}::text[],
        ${goneParameters.map((p) => p[1]!)}::text[], ${goneParameters.map((p) => p[2]!)}::text[]) as g(slug, asset_id, key)
      where t.workflow_slug = g.slug and t.asset_id = g.asset_id and t.partition_key_norm = g.key
      returning 1`,
    sql`insert into materializer_seen_event (event_id, seq)
      select * from unnest(${changes.seen.map(([id]) => id)}::text[], ${changes.seen.map(([, seq]) => seq)}::bigint[])
      on conflict (event_id) do nothing
      returning 1`,
  ];
}

function json(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

function toRun(row: {
  run_id: string;
  workflow_slug: string;
  partition_key: string | null;
  chain: unknown;
  status: string;
}): AutoRunRecord {
  return {
    runId: row.run_id,
    workflowSlug: row.workflow_slug,
    partitionKey: row.partition_key,
    chain: chainSnapshot.decode(row.chain),
    status: row.status as AutoRunRecord['status'],
  };
}
