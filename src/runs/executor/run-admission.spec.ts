import type { StoredEvent } from '../../events/envelope.js';
import type { RunTrigger } from '../run.events.js';
import { AvailabilityCache } from './asset-availability.js';
import { emptyExecutorState, foldRunEvent, type ExecutorState } from './executor-state.js';
import { admitRuns } from './run-admission.js';
import { foldBatch } from './run-executor.saga.js';

let seq = 1;

function event(runId: string, type: string, data: object): StoredEvent {
  return {
    id: `${runId}-${type}`,
    type,
    schemaVersion: 1,
    occurredAt: '2025-01-01T00:00:00.000Z',
    data,
    metadata: { correlationId: runId, causationId: null, actor: 'test' },
    seq: seq++,
    subject: `apphub.run.wf.${runId}`,
  };
}

function requested(state: ExecutorState, runId: string, trigger: RunTrigger, priority: number | null = null): void {
  foldRunEvent(
    state,
    event(runId, 'workflow.run.requested', {
      runId,
      workflowSlug: 'wf',
      workflowDefinitionId: 'wf-id',
      workflowVersion: 1,
      steps: [{ id: 's', type: 'job', jobSlug: 'j', dependsOn: [], retries: 0, produces: [], consumes: [] }],
      partitionKey: null,
      runKey: null,
      parameters: {},
      triggeredBy: null,
      trigger,
      priority,
      requestedAt: '2025-01-01T00:00:00.000Z',
    }),
  );
}

const started = (state: ExecutorState, runId: string) =>
  foldRunEvent(state, event(runId, 'workflow.run.started', { startedAt: '2025-01-01T00:00:00.000Z' }));
const succeeded = (state: ExecutorState, runId: string) =>
  foldRunEvent(state, event(runId, 'workflow.run.succeeded', { completedAt: '2025-01-01T00:00:00.000Z' }));

const auto = { type: 'auto-materialize' };
const backfill = { type: 'backfill', backfillId: 'b' };

describe('admission of gated runs', () => {
  it('admits queued auto and backfill runs up to the cap: priority first (none last), then request order', () => {
    const state = emptyExecutorState();
    requested(state, 'bf-1', backfill);
    requested(state, 'auto-low', auto, 9);
    requested(state, 'bf-2', backfill);
    requested(state, 'auto-high', auto, 1);
    requested(state, 'manual', { type: 'manual' });
    expect(admitRuns(state, 'wf', 3)).toEqual(['auto-high', 'auto-low', 'bf-1']);
  });

  it('counts the places held by started runs, and frees one when a run ends', () => {
    const state = emptyExecutorState();
    for (const runId of ['a', 'b', 'c', 'd']) requested(state, runId, backfill);
    started(state, 'a');
    started(state, 'b');
    expect(state.gatedActive.get('wf')).toBe(2);
    expect(admitRuns(state, 'wf', 2)).toEqual([]);
    succeeded(state, 'a');
    expect(state.gatedActive.get('wf')).toBe(1);
    expect(admitRuns(state, 'wf', 2)).toEqual(['c']);
  });

  it('indexes only the gated runs still pending, so admission never walks the runs that wait for their workers', () => {
    const state = emptyExecutorState();
    for (const runId of ['a', 'b', 'c']) requested(state, runId, backfill);
    requested(state, 'manual', { type: 'manual' });
    expect([...(state.pendingGated.get('wf') ?? [])]).toEqual(['a', 'b', 'c']);
    started(state, 'a');
    succeeded(state, 'b');
    expect([...(state.pendingGated.get('wf') ?? [])]).toEqual(['c']);
    started(state, 'c');
    expect(state.pendingGated.has('wf')).toBe(false);
  });

  it('ignores runs that are not gated (manual runs start at once and hold no place)', () => {
    const state = emptyExecutorState();
    requested(state, 'manual', { type: 'manual' });
    started(state, 'manual');
    requested(state, 'queued', auto);
    expect(state.gatedActive.has('wf')).toBe(false);
    expect(admitRuns(state, 'wf', 1)).toEqual(['queued']);
  });

  it('reconsiders the queue when the end of a run it folded itself is read back from the stream', () => {
    const state = emptyExecutorState();
    requested(state, 'running', backfill);
    requested(state, 'queued', backfill);
    started(state, 'running');
    // The executor appended and folded the end itself; the stream copy changes no run, yet frees a place.
    const end = event('running', 'workflow.run.succeeded', { completedAt: '2025-01-01T00:00:00.000Z' });
    foldRunEvent(state, end);
    const plan = foldBatch(state, [end], { dependencyWaitMs: 1000, maxConcurrentAutoRuns: 1 }, new AvailabilityCache());
    expect([...plan.admitted]).toEqual(['queued']);
  });
});
