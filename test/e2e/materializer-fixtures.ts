import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../projections/database.js';
import type { AssetProduced } from '../../src/assets/asset.events.js';
import { toEnvelope, type EventEnvelope } from '../../src/events/envelope.js';
import type { EventStore } from '../../src/events/event-store.js';
import type { NatsContext } from '../../src/events/nats-context.js';
import { ConsumerRegistry } from '../../src/projector/consumer-registry.js';
import { WRITER_TOKEN, type TestApp } from '../support/test-app.js';

/** Registers a workflow over HTTP (201 expected). */
export async function register(t: TestApp, body: object): Promise<any> {
  const response = await t.request('POST', '/workflows', { body, token: WRITER_TOKEN });
  if (response.status !== 201) throw new Error(`register failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.data;
}

/** A producer step and a consumer step whose asset opts in to upstream updates. */
export function pairOfWorkflows(
  prefix: string,
  options: { partitioning?: object; priority?: number; downstreamJob?: string } = {},
) {
  const partitioning = options.partitioning ? { partitioning: options.partitioning } : {};
  return {
    upstream: {
      slug: `${prefix}-up`,
      name: 'Upstream',
      steps: [{ id: 'up', jobSlug: 'outside-job', produces: [{ assetId: `${prefix}.up`, ...partitioning }] }],
    },
    downstream: {
      slug: `${prefix}-down`,
      name: 'Downstream',
      defaultParameters: { environment: 'production' },
      steps: [
        {
          id: 'down',
          jobSlug: options.downstreamJob ?? 'outside-job',
          consumes: [{ assetId: `${prefix}.up` }],
          produces: [
            {
              assetId: `${prefix}.down`,
              ...partitioning,
              autoMaterialize: {
                onUpstreamUpdate: true,
                priority: options.priority ?? 5,
                parameterDefaults: { region: 'eu' },
              },
            },
          ],
        },
      ],
    },
  };
}

/** An `asset.produced` envelope as the relay would append it (for injecting productions directly). */
export function producedEnvelope(
  data: Partial<AssetProduced> & Pick<AssetProduced, 'assetId' | 'workflowSlug'>,
): EventEnvelope {
  const runId = data.workflowRunId ?? randomUUID();
  const full: AssetProduced = {
    workflowDefinitionId: `${data.workflowSlug}-id`,
    workflowRunId: runId,
    runKey: null,
    stepId: 'up',
    producedAt: new Date().toISOString(),
    partitionKey: null,
    payload: {},
    schema: null,
    freshness: null,
    parameters: null,
    ...data,
  };
  return toEnvelope(
    { id: randomUUID(), type: 'asset.produced', data: full },
    { correlationId: runId, causationId: null, actor: 'test' },
    new Date().toISOString(),
  );
}

export async function appendProduced(store: EventStore, envelope: EventEnvelope): Promise<number> {
  const data = envelope.data as AssetProduced;
  return (await store.append(store.subjects.asset('produced', data.assetId), [envelope])).lastSeq;
}

/** Waits until the named consumers applied the stream as far as it is now. */
export async function settle(
  t: TestApp,
  names: string[] = ['materializer', 'run_history', 'auto_materialize_decisions'],
  timeoutMs = 30_000,
): Promise<number> {
  const registry = t.app.get(ConsumerRegistry);
  const last = await t.platform.store.lastSequence();
  for (const name of names) await registry.waitFor(name, last, timeoutMs);
  return last;
}

/** Waits until the materializer and then the run history caught up (the runs it requested are projected). */
export async function settleRuns(t: TestApp): Promise<void> {
  await settle(t, ['materializer']);
  await settle(t);
}

/** Auto runs of a workflow per partition key (from the run history). */
export async function autoRunsByPartition(db: Kysely<Database>, slug: string): Promise<Map<string | null, number>> {
  const rows = await db
    .selectFrom('workflow_run')
    .select(['partition_key'])
    .where('workflow_slug', '=', slug)
    .where('trigger_type', '=', 'auto-materialize')
    .execute();
  const counts = new Map<string | null, number>();
  for (const row of rows) counts.set(row.partition_key, (counts.get(row.partition_key) ?? 0) + 1);
  return counts;
}

export async function countAutoRuns(db: Kysely<Database>, slug: string): Promise<number> {
  return [...(await autoRunsByPartition(db, slug)).values()].reduce((a, b) => a + b, 0);
}

/**
 * Ground truth from the event log: `workflow.run.requested` events of a workflow, counted per partition key (a
 * duplicate run would show as a count above 1, a lost one as a missing key).
 */
export async function requestedRunsByPartition(nats: NatsContext, slug: string): Promise<Map<string | null, number>> {
  const counts = new Map<string | null, number>();
  const stream = nats.subjects.streams.events;
  const info = await nats.jsm.streams.info(stream, {
    subjects_filter: `${nats.subjects.prefix}.run.${slug}.*`,
  } as never);
  const subjects = Object.keys(info.state.subjects ?? {});
  for (const subject of subjects) {
    const first = await nats.jsm.streams.getMessage(stream, { next_by_subj: subject, seq: 1 } as never);
    if (!first) continue;
    const body = first.json<{ type: string; data: { partitionKey: string | null } }>();
    if (body.type !== 'workflow.run.requested') continue;
    counts.set(body.data.partitionKey, (counts.get(body.data.partitionKey) ?? 0) + 1);
  }
  return counts;
}

/** Polls the checkpoint table (works whichever process holds the consumer's lease). */
export async function waitForCheckpoint(
  db: Kysely<Database>,
  name: string,
  seq: number,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const row = await db
      .selectFrom('projection_checkpoint')
      .select('last_seq')
      .where('name', '=', name)
      .executeTakeFirst();
    if ((row?.last_seq ?? 0) >= seq) return;
    if (Date.now() > deadline)
      throw new Error(`${name} did not reach ${seq} within ${timeoutMs} ms (at ${row?.last_seq ?? 0})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
