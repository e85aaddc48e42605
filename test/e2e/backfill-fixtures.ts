import type { Kysely } from 'kysely';
import type { Database } from '../../projections/database.js';
import { RUNNER_TOKEN, type TestApp } from '../support/test-app.js';
import { eventually } from '../support/waiting.js';

/** A workflow with one external job step producing one partitioned asset. */
export function partitionedWorkflow(slug: string, partitioning: object, extra: object = {}) {
  return {
    slug,
    name: slug,
    steps: [{ id: 'make', jobSlug: 'outside-job', produces: [{ assetId: `${slug}.out`, partitioning }] }],
    ...extra,
  };
}

export type Http = Pick<TestApp, 'request'>;

export async function requestBackfill(t: Http, slug: string, body: object): Promise<any> {
  const response = await t.request('POST', `/workflows/${slug}/backfills`, { body, token: RUNNER_TOKEN });
  if (response.status !== 202) throw new Error(`backfill refused: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

export async function getBackfill(t: Http, slug: string, id: string, query = ''): Promise<any> {
  const response = await t.request('GET', `/workflows/${slug}/backfills/${id}${query}`, { token: null });
  return response.status === 200 ? response.body : null;
}

/** Waits until the backfill reached one of these statuses (from its read model). */
export async function backfillReaching(t: Http, slug: string, id: string, statuses: string[], timeoutMs = 30_000) {
  return eventually(
    () => getBackfill(t, slug, id),
    (body) => statuses.includes(body?.data?.status),
    timeoutMs,
    50,
  );
}

/**
 * Acts as the external worker: completes the `make` step of every run of the workflow whose step is dispatched,
 * recording the partition's asset (or failing the step for the given keys). Returns how many it completed.
 */
export async function completeDispatched(
  t: Http,
  slug: string,
  options: { fail?: (partitionKey: string) => boolean } = {},
): Promise<number> {
  const listed = await t.request('GET', `/workflows/${slug}/runs?status=running&limit=50`, { token: null });
  if (listed.status !== 200) return 0;
  let completed = 0;
  for (const run of listed.body.data as Array<{ id: string; partitionKey: string; steps: any[] }>) {
    if (run.steps[0]?.status !== 'running') continue;
    const failing = options.fail?.(run.partitionKey) ?? false;
    const body = failing
      ? { status: 'failed', error: 'boom' }
      : {
          status: 'succeeded',
          result: { assets: [{ assetId: `${slug}.out`, payload: { partition: run.partitionKey } }] },
        };
    const response = await t.request('POST', `/workflow-runs/${run.id}/steps/make/complete`, { body });
    if (response.status === 200) completed += 1;
  }
  return completed;
}

/** Completes dispatched runs until the backfill ended (or the deadline passes). */
export async function driveBackfill(
  t: Http,
  slug: string,
  id: string,
  options: { fail?: (partitionKey: string) => boolean; timeoutMs?: number } = {},
): Promise<any> {
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  for (;;) {
    const body = await getBackfill(t, slug, id);
    if (['succeeded', 'failed', 'canceled'].includes(body?.data?.status)) return body;
    if (Date.now() > deadline) throw new Error(`backfill not done: ${JSON.stringify(body?.data)}`);
    if ((await completeDispatched(t, slug, options)) === 0) await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * The most runs of a workflow that were active at once, from the stream order of their request and their end
 * (`requested_seq`, and `last_seq` of runs that ended): exact, unlike polling.
 */
export async function peakConcurrency(db: Kysely<Database>, slug: string, trigger = 'backfill'): Promise<number> {
  const rows = await db
    .selectFrom('workflow_run')
    .select(['requested_seq', 'last_seq', 'status'])
    .where('workflow_slug', '=', slug)
    .where('trigger_type', '=', trigger)
    .execute();
  const edges = rows.flatMap((row) => {
    const ended = ['succeeded', 'failed', 'canceled'].includes(row.status);
    return ended ? [[row.requested_seq, 1] as const, [row.last_seq, -1] as const] : [[row.requested_seq, 1] as const];
  });
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let active = 0;
  let peak = 0;
  for (const [, delta] of edges) peak = Math.max(peak, (active += delta));
  return peak;
}

/** How often each partition key was run by a workflow (from the event log: every `workflow.run.requested`). */
export { requestedRunsByPartition } from './materializer-fixtures.js';
