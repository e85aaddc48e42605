import { snapshotSpec } from '../../../test/support/snapshot-spec.js';
import { aRecordedAsset, aRunStory } from '../../../test/support/builders/lineage-events.js';
import { aStep } from '../../../test/support/builders/materializer-events.js';
import { evolveRun, type RunState } from '../run-state.js';
import type { RunEvent } from '../run.events.js';
import { producesSnapshot, runSnapshot } from './run-executor.snapshots.js';

/** A run with every part of its state set: a step succeeded with an asset, one failed and awaits its retry, waiting. */
function aFoldedRun(): RunState {
  const story = aRunStory({ slug: 'wf', runId: 'run-1', steps: [aStep('load'), aStep('mail'), aStep('ship')] });
  const events: Array<{ type: string; data: unknown; seq: number }> = [
    story.requested(),
    story.started(),
    story.dispatched('load'),
    story.succeeded('load', [aRecordedAsset('wf.out')]),
    story.dispatched('mail'),
    story.failed('mail'),
  ];
  const at = (type: string, data: unknown) => events.push({ type, data, seq: events[events.length - 1]!.seq + 1 });
  at('workflow.step.retry-scheduled', { stepId: 'mail', attempt: 2, retryAt: '2026-01-15T10:01:00.000Z' });
  at('workflow.run.waiting', {
    stepId: 'ship',
    assetId: 'up.out',
    partitionKey: null,
    producerWorkflowSlug: 'up',
    producerRunId: 'run-0',
    since: '2026-01-15T10:00:07.000Z',
    waitUntil: '2026-01-15T10:10:07.000Z',
  });
  at('workflow.run.cancel-requested', { reason: 'operator', requestedAt: '2026-01-15T10:00:08.000Z' });
  return events.reduce<RunState | null>(
    (state, event) => evolveRun(state, event as unknown as RunEvent & { seq: number }),
    null,
  )!;
}

describe('run snapshot (run_executor_run.state, workflow_run.state)', () => {
  const run = aFoldedRun();
  it('is built from a run with every part set (else the round trip proves little)', () => {
    expect(run).toMatchObject({ status: 'waiting', cancelRequested: true, startedAt: expect.any(String) });
    expect(run.steps.mail).toMatchObject({ retryAttempt: 2, error: { code: 'job_error' } });
    expect(run.steps.load!.producedAssets).toHaveLength(1);
  });
  snapshotSpec(runSnapshot, { state: run, legacyRow: run });

  it('keeps the fields where SQL reads them (state->steps, state->request)', () => {
    const stored = JSON.parse(JSON.stringify(runSnapshot.encode(run)));
    expect(stored.steps.load.status).toBe('succeeded');
    expect(stored.steps.mail).toMatchObject({ status: 'pending', retryAttempt: 2 });
    expect(stored.status).toBe('waiting');
    expect(stored.request.trigger.type).toBe('manual');
  });
});

describe('produces snapshot (run_executor_workflow.produces)', () => {
  const produces = [
    { assetId: 'wf.daily', partitioning: { type: 'static' as const, keys: ['a', 'b'] } },
    { assetId: 'wf.plain', partitioning: null },
  ];
  snapshotSpec(producesSnapshot, { state: produces, legacyRow: produces });
});
