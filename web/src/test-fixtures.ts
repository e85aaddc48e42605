import type { AutoMaterializeView, Run, Workflow } from './api/types';

/** Builders for component tests: valid defaults, explicit overrides. */
export function aRun(overrides: Partial<Run> & { assetId?: string; reason?: string } = {}): Run {
  const { assetId = 'retail.sales.parquet', reason = 'upstream-update', ...rest } = overrides;
  return {
    id: `run-${Math.random().toString(16).slice(2, 10)}-0000-0000`,
    workflowSlug: 'retail-sales-insights',
    workflowDefinitionId: 'wf-1',
    status: 'succeeded',
    partitionKey: '2024-01-01',
    runKey: null,
    parameters: {},
    triggeredBy: 'asset-materializer',
    trigger: {
      type: 'auto-materialize',
      reason,
      assetId,
      chain: ['retail-sales-daily-ingest', 'retail-sales-insights'],
    },
    createdAt: '2024-01-02T10:00:00.000Z',
    startedAt: '2024-01-02T10:00:01.000Z',
    completedAt: '2024-01-02T10:00:03.500Z',
    error: null,
    waitingFor: null,
    steps: [],
    ...rest,
  };
}

export function aView(overrides: Partial<AutoMaterializeView> = {}): AutoMaterializeView {
  return { runs: [], inFlight: [], backoff: [], decisions: [], ...overrides };
}

export function aWorkflow(overrides: Partial<Workflow> = {}): Workflow {
  return {
    id: 'wf-1',
    slug: 'retail-sales-insights',
    name: 'Retail sales insights',
    version: 1,
    createdAt: '2024-01-01T00:00:00.000Z',
    updatedAt: '2024-01-01T00:00:00.000Z',
    steps: [
      {
        id: 'render-report',
        type: 'job',
        jobSlug: 'render',
        dependsOn: [],
        retries: 0,
        consumes: [{ assetId: 'retail.sales.parquet' }],
        produces: [
          {
            assetId: 'retail.sales.report',
            autoMaterialize: { onUpstreamUpdate: true, priority: 4 },
            freshness: { ttlMs: 3_600_000, maxAgeMs: 86_400_000 },
          },
          { assetId: 'retail.sales.notes' },
        ],
      },
    ],
    ...overrides,
  };
}
