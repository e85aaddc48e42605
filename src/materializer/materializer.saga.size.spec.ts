import { anAssetProduced, aPartitionParametersSet } from '../../test/support/builders/asset-events.js';
import { aBackfillRequested, aPartitionRequested } from '../../test/support/builders/backfill-events.js';
import { aRunEnded, aStep, aWorkflow, aWorkflowDefined } from '../../test/support/builders/materializer-events.js';
import { givenSaga, TEST_SAGA_CONTEXT } from '../../test/support/saga-spec.js';
import { targetKey } from './saga-state.js';

/** Each layer is well under the limit; their merge is not. */
const LIMIT = 28 * 1024;
const context = { ...TEST_SAGA_CONTEXT, maxEventBytes: LIMIT };
const blob = (key: string) => ({ [key]: 'x'.repeat(6 * 1024) });
const daily = { type: 'timeWindow' as const, granularity: 'day' as const };
const source = aWorkflow('source', [aStep('s', { produces: [{ assetId: 'src.out', partitioning: daily }] })]);
const target = aWorkflow(
  'daily',
  [
    aStep('d', {
      consumes: ['src.out'],
      produces: [
        {
          assetId: 'daily.out',
          partitioning: daily,
          autoMaterialize: { onUpstreamUpdate: true, parameterDefaults: blob('defaults') },
        },
      ],
    }),
  ],
  { defaultParameters: blob('workflow') },
);
const storedParameters = aPartitionParametersSet({
  workflowSlug: 'daily',
  assetId: 'daily.out',
  partitionKey: '2025-01-02',
  parameters: blob('stored'),
});
const history = () => [aWorkflowDefined(source), aWorkflowDefined(target), storedParameters];
const backfill = (parameters: Record<string, unknown> | null) =>
  aBackfillRequested({ workflowSlug: 'daily', assetId: 'daily.out', partitionKeys: ['2025-01-02'], parameters }).data;
const upstream = (at = '2025-01-01T00:00:00.000Z') =>
  anAssetProduced({ assetId: 'src.out', workflowSlug: 'source', partitionKey: '2025-01-02', occurredAt: at });

describe('materializer saga: a run request above max_payload', () => {
  it('skips the trigger as run_request_too_large, naming each layer, and requests no run', () => {
    const released = aPartitionRequested(backfill(blob('backfill')), '2025-01-02');
    const { runs, decisions, state } = givenSaga(history(), context).when(released);
    expect(runs).toEqual([]);
    expect(decisions).toEqual([
      expect.objectContaining({
        outcome: 'skipped',
        reason: 'run_request_too_large',
        trigger: expect.objectContaining({ backfillIds: [released.data.backfillId] }),
      }),
    ]);
    const detail = decisions[0]!.detail!;
    expect(detail).toContain(`max_payload of ${LIMIT} bytes`);
    for (const layer of [
      'workflow defaultParameters',
      'parameterDefaults of "daily.out"',
      'stored partition',
      'backfill',
    ])
      expect(detail).toContain(layer);
    expect(state.targets.get(targetKey('daily', '2025-01-02'))).toBeUndefined();
  });

  it('requests the same run when the server takes the merged request', () => {
    const released = aPartitionRequested(backfill(blob('backfill')), '2025-01-02');
    const { runs } = givenSaga(history(), { ...context, maxEventBytes: 1024 * 1024 }).when(released);
    expect(runs).toHaveLength(1);
  });

  it('refuses an oversized follow-up once and clears it, so the next trigger runs', () => {
    const saga = givenSaga(history(), context);
    // Stored parameters alone: small enough without the backfill layer.
    const auto = saga.when(upstream()).runs[0]!;
    expect(auto).toBeDefined();
    saga.when(aPartitionRequested(backfill(blob('backfill')), '2025-01-02'));
    const ended = saga.when(aRunEnded('succeeded', 'daily', auto.runId, '2025-01-01T00:05:00.000Z'));
    expect(ended.runs).toEqual([]);
    expect(ended.decisions).toEqual([
      expect.objectContaining({ outcome: 'skipped', reason: 'run_request_too_large', followUpOf: auto.runId }),
    ]);
    expect(saga.state.targets.get(targetKey('daily', '2025-01-02'))).toBeUndefined();
    const next = saga.when(upstream('2025-01-01T00:10:00.000Z'));
    expect(next.decisions).toEqual([expect.objectContaining({ outcome: 'enqueued' })]);
    expect(next.runs).toHaveLength(1);
  });
});
