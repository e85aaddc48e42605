import { subjectsFor } from '../events/subjects.js';
import { anAssetProduced } from '../../test/support/builders/asset-events.js';
import { aStep, aWorkflow, aWorkflowDefined } from '../../test/support/builders/materializer-events.js';
import { givenManager, KernelWorld } from '../../test/support/manager-spec.js';
import { MemoryMaterializerStore } from '../../test/support/memory-stores.js';
import { TEST_SAGA_CONTEXT } from '../../test/support/saga-spec.js';
import { materializerDefinition } from './materializer.definition.js';
import { assetPartitionKey } from './saga-state.js';

const source = aWorkflow('source', [aStep('s', { produces: [{ assetId: 'asset.source' }] })]);
const target = aWorkflow('target', [
  aStep('t', {
    consumes: ['asset.source'],
    produces: [{ assetId: 'asset.target', autoMaterialize: { onUpstreamUpdate: true } }],
  }),
]);
const world = () =>
  new KernelWorld(materializerDefinition(subjectsFor('apphub'), TEST_SAGA_CONTEXT), new MemoryMaterializerStore());
const produced = () => anAssetProduced({ assetId: 'asset.source', workflowSlug: 'source', workflowRunId: 'up-1' });

/** The materializer as it ships (definition on the kernel), given/when/then over batches (STYLE §10). */
describe('materializer (kernel)', () => {
  it('records the decision and requests the run for an upstream update', async () => {
    const done = await givenManager(world, [aWorkflowDefined(source), aWorkflowDefined(target)])
      .when(produced())
      .then({
        appends: ['materializer.trigger.enqueued'],
        state: (state) =>
          expect(state.targets.get('target\u001f')?.inFlight).toMatchObject({ reason: 'upstream-update' }),
      });
    expect(done.calls.map(({ command }) => command.type)).toEqual(['RequestAutoRun']);
  });

  it('loads what a batch declares after a restart, so a production delivered again decides nothing', async () => {
    const spec = givenManager(world, [aWorkflowDefined(source), aWorkflowDefined(target), produced()]);
    const first = await spec.world;
    await first.write();
    const restarted = await first.restart();
    const store = restarted.store as MemoryMaterializerStore;
    const production = restarted.log.events.find((event) => event.type === 'asset.produced')!;
    const again = await restarted.deliver([production]);
    expect(again).toEqual({ appended: [], calls: [] });
    // The production's own latest materialization was among the declared reads of the redelivered batch.
    expect(store.loads[store.loads.length - 1]!.latest).toContain(assetPartitionKey('source', 'asset.source', null));
  });
});
