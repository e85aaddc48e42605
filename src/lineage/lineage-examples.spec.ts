import { readFileSync, writeFileSync } from 'node:fs';
import { expectValidOpenLineage } from '../../test/support/openlineage-schema.js';
import { UPDATE_EXAMPLES } from '../../test/support/test-env.js';
import type { StoredEvent } from '../events/envelope.js';
import { canonicalJson } from './canonical-json.js';
import { decideLineage } from './lineage.mapper.js';
import { emptyLineageState } from './lineage.state.js';

/**
 * The examples in docs/openlineage/examples/ (and the README) are what the mapping emits for this scenario: an auto
 * run of `retail-sales` for the day 2026-01-14 (Paris), triggered by `retail-ingest`. `UPDATE_EXAMPLES=1` rewrites them.
 */
const daily = { type: 'timeWindow', granularity: 'day', timezone: 'Europe/Paris' };
const salesSchema = {
  type: 'object',
  properties: { day: { type: 'string' }, revenue: { type: 'number', description: 'EUR' } },
};
const ordersSchema = { type: 'object', properties: { orderId: { type: 'string' }, amount: { type: 'number' } } };
const runId = '019bc2a4-5e6f-7a80-9b1c-2d3e4f5a6b7c';
const job = (id: string, consumes: object[], produces: object[]) => ({
  id,
  type: 'job',
  jobSlug: id,
  dependsOn: [],
  retries: 0,
  consumes,
  produces,
});
const event = (id: string, type: string, data: object, subject = `apphub.run.retail-sales.${runId}`): StoredEvent => ({
  id,
  type,
  schemaVersion: 1,
  occurredAt: '2026-01-15T06:00:00.000Z',
  data,
  metadata: { correlationId: runId, causationId: null, actor: 'system' },
  seq: 1,
  subject,
});
const scenario: StoredEvent[] = [
  event(
    '019bc2a0-0000-7000-8000-000000000001',
    'workflow.definition.updated',
    {
      workflow: {
        id: 'ingest',
        slug: 'retail-ingest',
        name: 'Ingest',
        version: 1,
        createdAt: '2026-01-15T00:00:00.000Z',
        updatedAt: '2026-01-15T00:00:00.000Z',
        steps: [job('fetch', [], [{ assetId: 'retail.orders.raw', partitioning: daily, schema: ordersSchema }])],
      },
    },
    'apphub.workflow.definition.updated.retail-ingest',
  ),
  event('019bc2a4-0000-7000-8000-000000000001', 'workflow.run.requested', {
    runId,
    workflowSlug: 'retail-sales',
    workflowDefinitionId: 'sales',
    workflowVersion: 1,
    steps: [
      job(
        'aggregate',
        [{ assetId: 'retail.orders.raw' }],
        [{ assetId: 'retail.sales.daily', schema: salesSchema, partitioning: daily }],
      ),
    ],
    partitionKey: '2026-01-14',
    runKey: null,
    parameters: {},
    triggeredBy: 'asset-materializer',
    trigger: {
      type: 'auto-materialize',
      reason: 'upstream-update',
      assetId: 'retail.orders.raw',
      partitionKey: '2026-01-14',
      upstream: {
        workflowSlug: 'retail-ingest',
        runId: '019bc2a1-0d4e-7f11-8a2b-3c4d5e6f7a8b',
        eventSeq: 4812,
        assetId: 'retail.orders.raw',
        partitionKey: '2026-01-14',
      },
    },
    priority: null,
    requestedAt: '2026-01-15T06:00:00.000Z',
  }),
  event('019bc2a4-0000-7000-8000-000000000002', 'workflow.run.started', { startedAt: '2026-01-15T06:00:00.112Z' }),
  event('019bc2a4-0000-7000-8000-000000000003', 'workflow.step.dispatched', {
    stepId: 'aggregate',
    attempt: 1,
    stepType: 'job',
    jobSlug: 'aggregate',
    serviceUrl: null,
    parameters: {},
    partitionKey: '2026-01-14',
    timeoutMs: null,
    dispatchedAt: '2026-01-15T06:00:00.131Z',
  }),
  event('019bc2a4-0000-7000-8000-000000000004', 'workflow.step.succeeded', {
    stepId: 'aggregate',
    attempt: 1,
    completedAt: '2026-01-15T06:00:04.870Z',
    assets: [
      {
        assetId: 'retail.sales.daily',
        partitionKey: '2026-01-14',
        producedAt: '2026-01-15T06:00:04.800Z',
        payload: { revenue: 1234.5 },
        schema: salesSchema,
        freshness: null,
      },
    ],
    warnings: [],
  }),
  event('019bc2a4-0000-7000-8000-000000000005', 'workflow.run.succeeded', { completedAt: '2026-01-15T06:00:04.902Z' }),
];
const names = ['run-start', 'step-start', 'step-complete', 'run-complete'];

describe('documented OpenLineage examples', () => {
  const state = emptyLineageState();
  const emitted = scenario.flatMap((e) =>
    decideLineage(state, e, { jobNamespace: 'apphub', datasetNamespace: 'apphub' }),
  );

  it('are valid and up to date in docs/openlineage/examples/', () => {
    expectValidOpenLineage(emitted);
    expect(emitted).toHaveLength(names.length);
    for (const [index, name] of names.entries()) {
      const path = `docs/openlineage/examples/${name}.json`;
      const text = `${JSON.stringify(JSON.parse(canonicalJson(emitted[index])), null, 2)}\n`;
      if (UPDATE_EXAMPLES) writeFileSync(path, text);
      expect(readFileSync(path, 'utf8')).toBe(text);
    }
  });
});
