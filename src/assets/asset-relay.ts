import { derivedEventId, toEnvelope, type EventEnvelope, type StoredEvent } from '../events/envelope.js';
import type { RunRequested, StepSucceeded } from '../runs/run.events.js';
import type { AssetCheckEvaluated, AssetProduced } from './asset.events.js';

/** What the relay needs of a run: taken from its `workflow.run.requested`. */
export type RelayRunContext = Pick<RunRequested, 'workflowDefinitionId' | 'workflowSlug' | 'runKey' | 'parameters'>;

/** The id of the `asset.produced` event a recorded asset becomes: uuidv5(step event id, assetId, partitionKey). */
export function producedEventId(stepEventId: string, assetId: string, partitionKey: string | null): string {
  return derivedEventId(stepEventId, assetId, partitionKey);
}

/**
 * The second half of recording (DESIGN §3): `workflow.step.succeeded` is the commit point; it becomes one
 * `asset.produced` per recorded asset, with an id derived from the step event, so relaying a step twice (a replay
 * after a crash) yields the same ids. Pure: `occurredAt` is the step event's.
 */
export function relayedAssets(
  step: StoredEvent<string, StepSucceeded>,
  runId: string,
  context: RelayRunContext,
): Array<EventEnvelope<'asset.produced', AssetProduced>> {
  return step.data.assets.map((asset) => {
    const data: AssetProduced = {
      assetId: asset.assetId,
      workflowDefinitionId: context.workflowDefinitionId,
      workflowSlug: context.workflowSlug,
      workflowRunId: runId,
      runKey: context.runKey,
      stepId: step.data.stepId,
      producedAt: asset.producedAt,
      partitionKey: asset.partitionKey,
      payload: asset.payload,
      schema: asset.schema,
      freshness: asset.freshness,
      parameters: context.parameters,
      ...(asset.checks
        ? { failedBlockingChecks: asset.checks.filter((c) => c.blocking && !c.passed).map((c) => c.name) }
        : {}),
    };
    return toEnvelope(
      { id: producedEventId(step.id, asset.assetId, asset.partitionKey), type: 'asset.produced' as const, data },
      { correlationId: runId, causationId: step.id, actor: step.metadata.actor },
      step.occurredAt,
    );
  });
}

/** The id of a check result of a materialization: uuidv5(produced event id, "check", name). */
export function checkEventId(producedId: string, checkName: string): string {
  return derivedEventId(producedId, 'check', checkName);
}

/**
 * The check results of a succeeded step's assets (DESIGN §14): one `asset.check.evaluated` per result, appended
 * before the materializations themselves, so whoever reads an `asset.produced` has already seen its checks. Pure.
 */
export function relayedChecks(
  step: StoredEvent<string, StepSucceeded>,
  runId: string,
  context: RelayRunContext,
): Array<EventEnvelope<'asset.check.evaluated', AssetCheckEvaluated>> {
  return step.data.assets.flatMap((asset) => {
    const producedId = producedEventId(step.id, asset.assetId, asset.partitionKey);
    return (asset.checks ?? []).map((check) => {
      const data: AssetCheckEvaluated = {
        assetId: asset.assetId,
        workflowSlug: context.workflowSlug,
        workflowDefinitionId: context.workflowDefinitionId,
        workflowRunId: runId,
        stepId: step.data.stepId,
        partitionKey: asset.partitionKey,
        producedEventId: producedId,
        producedAt: asset.producedAt,
        checkName: check.name,
        severity: check.severity,
        blocking: check.blocking,
        passed: check.passed,
        source: check.source,
        metadata: check.metadata,
        violations: check.violations,
      };
      return toEnvelope(
        { id: checkEventId(producedId, check.name), type: 'asset.check.evaluated' as const, data },
        { correlationId: runId, causationId: step.id, actor: step.metadata.actor },
        step.occurredAt,
      );
    });
  });
}
