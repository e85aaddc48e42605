import type { TestApp } from './test-app.js';
import { eventually } from './waiting.js';

/** What an external worker reports for one step. */
export interface StepReport {
  stepId: string;
  assets?: Array<{
    assetId: string;
    payload?: unknown;
    partitionKey?: string;
    producedAt?: string;
    checks?: Array<{ name: string; passed: boolean; metadata?: unknown }>;
  }>;
}

/**
 * Drives real runs over HTTP like an external worker: requests a run, waits (with a deadline) until each step is
 * dispatched (`running`), completes it with its assets, and waits for the run to finish.
 */
export function runDriver(t: TestApp) {
  const getRunWithSeq = async (runId: string) =>
    (await t.request('GET', `/workflow-runs/${runId}`, { token: null })).body;
  const getRun = async (runId: string) => (await getRunWithSeq(runId)).data;

  async function waitForStep(runId: string, stepId: string): Promise<void> {
    await eventually(
      () => getRun(runId),
      (run) => run?.steps?.find((step: { stepId: string }) => step.stepId === stepId)?.status === 'running',
      15_000,
    );
  }

  /**
   * Runs the workflow to completion; returns the run id, the sequence of each step's completion (and the last),
   * and `runSeq`, the sequence of the run's last event (its terminal one).
   */
  async function run(
    slug: string,
    body: Record<string, unknown>,
    steps: StepReport[],
  ): Promise<{ runId: string; completionSeq: number; completionSeqs: number[]; runSeq: number }> {
    const requested = await t.request('POST', `/workflows/${slug}/run`, { body });
    if (requested.status !== 202)
      throw new Error(`run request failed: ${requested.status} ${JSON.stringify(requested.body)}`);
    const runId: string = requested.body.data.id;
    const completionSeqs: number[] = [];
    for (const step of steps) {
      await waitForStep(runId, step.stepId);
      const completed = await t.request('POST', `/workflow-runs/${runId}/steps/${step.stepId}/complete`, {
        body: { status: 'succeeded', result: { assets: step.assets ?? [] } },
      });
      if (completed.status !== 200)
        throw new Error(`completion failed: ${completed.status} ${JSON.stringify(completed.body)}`);
      completionSeqs.push(completed.body.meta.eventSeq);
    }
    const done = await eventually(
      () => getRunWithSeq(runId),
      (r) => r.data?.status === 'succeeded',
      15_000,
    );
    return {
      runId,
      completionSeq: completionSeqs[completionSeqs.length - 1] ?? 0,
      completionSeqs,
      runSeq: done.meta.eventSeq,
    };
  }

  /**
   * Polls an asset's history (the relay appends `asset.produced` after the completion) until the run shows up;
   * returns the materialization's event sequence, to read other read models with `?minSeq=`.
   */
  async function waitForMaterialization(slug: string, assetId: string, runId: string): Promise<number> {
    const response = await eventually(
      () =>
        t.request('GET', `/workflows/${slug}/assets/${encodeURIComponent(assetId)}/history?limit=100`, { token: null }),
      (response) =>
        response.status === 200 && response.body.data.history.some((entry: { runId: string }) => entry.runId === runId),
      15_000,
    );
    return response.body.data.history.find((entry: { runId: string }) => entry.runId === runId).eventSeq;
  }

  return { getRun, waitForStep, run, waitForMaterialization };
}
