import { anAssetStaleMarked, aPartitionParametersSet } from '../../test/support/builders/asset-events.js';
import { aRunEnded, aStep, aWorkflow, aWorkflowDefined } from '../../test/support/builders/materializer-events.js';
import { testEventId } from '../../test/support/builders/lineage-events.js';
import { givenSaga } from '../../test/support/saga-spec.js';
import { derivedEventId, type StoredEvent } from '../events/envelope.js';
import type { Partitioning } from '../partitions/index.js';
import type { RunWaiting } from '../runs/run.events.js';
import { targetKey } from './saga-state.js';

const regions: Partitioning = { type: 'static', keys: ['eu', 'us'] };
const prices = aWorkflow(
  'prices',
  [
    aStep('fetch', {
      produces: [
        {
          assetId: 'market.prices',
          partitioning: regions,
          autoMaterialize: { parameterDefaults: { depth: 2, source: 'default' }, priority: 4 },
        },
      ],
    }),
  ],
  { defaultParameters: { environment: 'production', depth: 1 } },
);
const rates = aWorkflow('rates', [aStep('r', { produces: [{ assetId: 'ref.rates' }] })]);

let waits = 0;
/** `workflow.run.waiting` of a `report` run, as the executor appends it (the producer named). */
function aWait(
  data: Partial<RunWaiting> & Pick<RunWaiting, 'assetId' | 'partitionKey' | 'producerWorkflowSlug'>,
  runId = testEventId('waiting-run', ++waits),
): StoredEvent<'workflow.run.waiting', RunWaiting> {
  const since = data.since ?? '2025-01-01T00:05:00.000Z';
  return {
    id: testEventId('waiting', runId, since),
    type: 'workflow.run.waiting',
    schemaVersion: 1,
    occurredAt: since,
    data: { stepId: 'load', producerRunId: null, since, waitUntil: '2025-01-01T00:15:00.000Z', ...data },
    metadata: { correlationId: runId, causationId: null, actor: 'system' },
    seq: 500_000 + waits,
    subject: `apphub.run.report.${runId}`,
  };
}

describe('materializer saga: dependency triggers (a run waits for a consumed asset)', () => {
  it('requests the producer for the waiting run’s partition, with the one parameter merge and a derived id', () => {
    const saga = givenSaga([
      aWorkflowDefined(prices),
      aPartitionParametersSet({
        workflowSlug: 'prices',
        assetId: 'market.prices',
        partitionKey: 'eu',
        parameters: { source: 'operator' },
      }),
    ]);
    const wait = aWait({ assetId: 'market.prices', partitionKey: 'eu', producerWorkflowSlug: 'prices' });
    const { runs, decisions } = saga.when(wait);
    const runId = derivedEventId(wait.id, 'auto-run', 'prices', 'eu');
    expect(decisions).toEqual([
      expect.objectContaining({ outcome: 'enqueued', reason: 'dependency', runId, partitionKey: 'eu' }),
    ]);
    expect(runs).toEqual([
      expect.objectContaining({
        runId,
        partitionKey: 'eu',
        priority: 4,
        // defaultParameters ⊕ parameterDefaults ⊕ stored partition parameters ⊕ the partition (later wins)
        parameters: { environment: 'production', depth: 2, source: 'operator', partitionKey: 'eu' },
        trigger: {
          type: 'dependency',
          assetId: 'market.prices',
          partitionKey: 'eu',
          waitingRun: { workflowSlug: 'report', runId: wait.subject.split('.').pop(), stepId: 'load' },
          chain: ['report', 'prices'],
          triggerEventId: wait.id,
        },
      }),
    ]);
    expect(saga.state.targets.get(targetKey('prices', 'eu'))).toMatchObject({ inFlight: { runId } });
  });

  it('gives an unpartitioned producer no key', () => {
    const { runs } = givenSaga([aWorkflowDefined(rates)]).when(
      aWait({ assetId: 'ref.rates', partitionKey: 'eu', producerWorkflowSlug: 'rates' }),
    );
    expect(runs).toEqual([
      expect.objectContaining({ partitionKey: null, trigger: expect.objectContaining({ type: 'dependency' }) }),
    ]);
  });

  it('coalesces with an auto run in flight for the same partition, and starts one follow-up after it', () => {
    const saga = givenSaga([aWorkflowDefined(prices)]);
    const marked = saga.when(
      anAssetStaleMarked({ workflowSlug: 'prices', assetId: 'market.prices', partitionKey: 'eu', triggerRun: true }),
    );
    const inFlight = marked.runs[0]!.runId;
    const wait = aWait({ assetId: 'market.prices', partitionKey: 'eu', producerWorkflowSlug: 'prices' });
    const coalesced = saga.when(wait);
    expect(coalesced.runs).toEqual([]);
    expect(coalesced.decisions).toEqual([
      expect.objectContaining({ outcome: 'coalesced', reason: 'in_flight', runId: inFlight }),
    ]);
    // Another partition is another target: it runs at once.
    expect(
      saga.when(aWait({ assetId: 'market.prices', partitionKey: 'us', producerWorkflowSlug: 'prices' })).runs,
    ).toHaveLength(1);
    const ended = saga.when(aRunEnded('succeeded', 'prices', inFlight, '2025-01-01T00:06:00.000Z'));
    expect(ended.runs).toEqual([
      expect.objectContaining({
        partitionKey: 'eu',
        trigger: expect.objectContaining({ type: 'dependency', followUpOf: inFlight, triggerEventId: wait.id }),
      }),
    ]);
  });

  it('skips a key the producer cannot take as partition_mismatch, and never runs it', () => {
    const saga = givenSaga([aWorkflowDefined(prices)]);
    for (const partitionKey of ['asia', null]) {
      const { runs, decisions } = saga.when(
        aWait({ assetId: 'market.prices', partitionKey, producerWorkflowSlug: 'prices' }),
      );
      expect(runs).toEqual([]);
      expect(decisions).toEqual([
        expect.objectContaining({ outcome: 'skipped', reason: 'partition_mismatch', workflowSlug: 'prices' }),
      ]);
    }
    expect(saga.state.targets.size).toBe(0);
  });

  it('does nothing for a wait without a known producer', () => {
    const saga = givenSaga([aWorkflowDefined(prices)]);
    expect(
      saga.when(aWait({ assetId: 'market.prices', partitionKey: 'eu', producerWorkflowSlug: null })).output,
    ).toEqual({
      events: [],
      commands: [],
    });
    expect(
      saga.when(aWait({ assetId: 'other.asset', partitionKey: 'eu', producerWorkflowSlug: 'prices' })).output,
    ).toEqual({
      events: [],
      commands: [],
    });
  });
});
