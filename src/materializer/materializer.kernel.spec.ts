import { subjectsFor } from '../events/subjects.js';
import { anAssetProduced } from '../../test/support/builders/asset-events.js';
import { aStep, aWorkflow, aWorkflowDefined } from '../../test/support/builders/materializer-events.js';
import { givenManager, KernelWorld } from '../../test/support/manager-spec.js';
import { MemoryMaterializerStore } from '../../test/support/memory-stores.js';
import { TEST_SAGA_CONTEXT } from '../../test/support/saga-spec.js';
import type { Kysely } from 'kysely';
import type { Database } from '../../projections/database.js';
import type { StoredEvent } from '../events/envelope.js';
import { MemoryLog } from '../../test/support/memory-log.js';
import { ManagerKernel, type ManagerStage } from '../process-manager/manager-kernel.js';
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

  it('reports where a batch spends its time: waited per input event, then load, decide and effects per batch', async () => {
    const observed: Array<{ stage: ManagerStage; seconds: number }> = [];
    const log = new MemoryLog();
    const kernel = new ManagerKernel(
      materializerDefinition(subjectsFor('apphub'), TEST_SAGA_CONTEXT),
      new MemoryMaterializerStore(),
      {
        log,
        execute: async () => undefined,
        stages: {
          observe: ({ manager, stage }, seconds) => {
            expect(manager).toBe('materializer');
            observed.push({ stage, seconds });
          },
        },
      },
    );
    await kernel.hydrate(null as unknown as Kysely<Database>, null as unknown as Kysely<Database>);
    const stored = (events: StoredEvent[], storedAt: number) => events.map((event) => ({ ...event, storedAt }));
    const definitions = [aWorkflowDefined(source), aWorkflowDefined(target)].flatMap(
      (event) => log.put(event.subject, event) ?? [],
    );
    await kernel.process(stored(definitions, Date.now() - 40));
    // Definitions decide no effect: two waits, one load and one decision, no effects stage.
    expect(observed.map((o) => o.stage)).toEqual(['waited', 'waited', 'load', 'decide']);
    expect(observed[0]!.seconds).toBeGreaterThanOrEqual(0.04);

    observed.length = 0;
    const production = produced();
    await kernel.process(stored([log.put(production.subject, production)!], Date.now() - 5));
    expect(observed.map((o) => o.stage)).toEqual(['waited', 'load', 'decide', 'effects']);
    expect(observed.every((o) => o.seconds >= 0)).toBe(true);

    observed.length = 0;
    await kernel.process(stored([{ ...production, id: 'not-an-input', type: 'asset.unknown' } as StoredEvent], 0));
    expect(observed).toEqual([]);
  });
});
