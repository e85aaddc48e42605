/**
 * Shared fixtures for the run executor's decider specs: a handful of workflows (partitioned producer and
 * consumer, plain, gated), run stories and step completions, all at fixed instants.
 */
import type { StoredEvent } from '../../src/events/envelope.js';
import type { Partitioning } from '../../src/partitions/index.js';
import type { WorkflowDefinition } from '../../src/workflows/workflow-definition.js';
import { anAssetProduced } from './builders/asset-events.js';
import { aDefinitionEvent, aRunStory, testEventId } from './builders/lineage-events.js';
import { aStep, aWorkflow } from './builders/materializer-events.js';
import { ExecutorWorld, TEST_EXECUTOR_CONTEXT } from './executor-world.js';

const T0 = Date.parse('2026-01-15T10:00:00.000Z');
export const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();
const regions: Partitioning = { type: 'static', keys: ['eu', 'us'] };

/** `prices` produces `market.prices` per region; `report` consumes it per region, `summary` in any region. */
export const prices = aWorkflow('prices', [
  aStep('fetch', { produces: [{ assetId: 'market.prices', partitioning: regions }] }),
]);
export const report = aWorkflow('report', [
  aStep('load', {
    consumes: ['market.prices'],
    produces: [
      { assetId: 'report.daily', partitioning: regions },
      { assetId: 'report.audit', partitioning: regions },
    ],
  }),
  aStep('render', { dependsOn: ['load'] }),
  aStep('mail', { dependsOn: ['load'] }),
  aStep('archive', { dependsOn: ['render'] }),
]);
export const summary = aWorkflow('summary', [aStep('sum', { consumes: ['market.prices'] })]);
export const plain = aWorkflow('plain', [aStep('a'), aStep('b', { dependsOn: ['a'] })]);
export const gated = aWorkflow('gated', [aStep('x')]);
export const definitions = () => [prices, report, summary, plain, gated].map((workflow) => aDefinitionEvent(workflow));

let runs = 0;
/** A run's events as the command side stores them; `requested()` builds `workflow.run.requested`. */
export function aRun(
  workflow: WorkflowDefinition,
  options: { partitionKey?: string | null; auto?: boolean; priority?: number | null } = {},
) {
  const runId = testEventId('run', workflow.slug, ++runs);
  const story = aRunStory({
    slug: workflow.slug,
    runId,
    steps: workflow.steps,
    partitionKey: options.partitionKey ?? null,
    requestedAt: at(0),
    ...(options.auto ? { trigger: { type: 'auto-materialize' } } : {}),
  });
  const requested = () => {
    const event = story.requested(at(0));
    const data = event.data as { priority: number | null };
    return { ...event, data: { ...data, priority: options.priority ?? null } } as StoredEvent;
  };
  return { runId, slug: workflow.slug, subject: story.subject, requested };
}

export async function givenExecutor(history: StoredEvent[], context = TEST_EXECUTOR_CONTEXT): Promise<ExecutorWorld> {
  const world = await ExecutorWorld.open(context);
  world.add(...history);
  await world.runUntilIdle();
  return world;
}

export const complete = (
  world: ExecutorWorld,
  run: { slug: string; runId: string },
  stepId: string,
  status: 'succeeded' | 'failed',
  options: { attempt?: number; result?: unknown; now?: string } = {},
) =>
  world.command(run.slug, run.runId, {
    type: 'CompleteStep',
    stepId,
    attempt: options.attempt ?? 1,
    status,
    ...(options.result === undefined ? {} : { result: options.result }),
    ...(status === 'failed' ? { error: { code: 'job_error', message: 'exit 1' } } : {}),
    now: options.now ?? at(30),
  });

export const produced = (partitionKey: string, seconds = 20) =>
  anAssetProduced({
    id: testEventId('prices', partitionKey, seconds),
    assetId: 'market.prices',
    workflowSlug: 'prices',
    partitionKey,
    occurredAt: at(seconds),
    producedAt: at(seconds),
  });

export const stepStatuses = (world: ExecutorWorld, subject: string) =>
  Object.fromEntries(Object.values(world.readRun(subject)!.steps).map((step) => [step.stepId, step.status]));
