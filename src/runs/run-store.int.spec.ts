import { aWorkflow } from '../../test/support/builders/workflow-events.js';
import { createTestPlatform, type TestPlatform } from '../../test/support/test-platform.js';
import { RunStore } from './run-store.js';
import type { RunRequested } from './run.events.js';

const META = { correlationId: 'c', causationId: null, actor: 'test' };
const NOW = '2026-01-01T00:00:00.000Z';

const request = (runId: string): RunRequested => ({
  runId,
  workflowSlug: 'wf',
  workflowDefinitionId: 'def',
  workflowVersion: 1,
  steps: aWorkflow().steps,
  partitionKey: null,
  runKey: null,
  parameters: {},
  triggeredBy: null,
  trigger: { type: 'manual' },
  priority: null,
  requestedAt: NOW,
});

describe('RunStore', () => {
  let p: TestPlatform;
  beforeAll(async () => {
    p = await createTestPlatform();
  });
  afterAll(async () => {
    await p.dispose();
  });

  it('brings a cached run up to date with what another process appended, as a full fold of the subject would', async () => {
    const api = new RunStore(p.store);
    const executor = new RunStore(p.store);
    await api.execute('wf', 'run-1', { type: 'RequestRun', request: request('run-1') }, META, NOW);
    const requested = api.cached('run-1')!;
    await executor.execute('wf', 'run-1', { type: 'AdvanceRun', now: NOW, canStart: true, missing: null }, META, NOW);
    const advanced = executor.cached('run-1')!;
    expect(advanced.lastSeq).toBeGreaterThan(requested.lastSeq);

    const loaded = await api.load('wf', 'run-1');
    expect(loaded).toEqual(await new RunStore(p.store).load('wf', 'run-1'));
    expect(loaded).toEqual(advanced);
    expect(api.cached('run-1')).toEqual(advanced);
  });

  it('decides on the fresh state when its cache is behind: the stale command is re-decided, not refused', async () => {
    const api = new RunStore(p.store);
    const executor = new RunStore(p.store);
    await api.execute('wf', 'run-2', { type: 'RequestRun', request: request('run-2') }, META, NOW);
    await executor.execute('wf', 'run-2', { type: 'AdvanceRun', now: NOW, canStart: true, missing: null }, META, NOW);
    // The API process only knows the request; the executor started the run and dispatched its step.
    const result = await api.execute('wf', 'run-2', { type: 'CancelRun', reason: 'test', now: NOW }, META, NOW);
    expect(result.seqs.length).toBeGreaterThan(0);
    expect(result.state).toEqual(await new RunStore(p.store).load('wf', 'run-2'));
  });
});
