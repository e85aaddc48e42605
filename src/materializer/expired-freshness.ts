import type { AssetCheckEvaluated } from '../assets/asset.events.js';
import { derivedEventId } from '../events/envelope.js';
import type { FreshnessTimerPayload } from './freshness.js';

/**
 * The failed results of the asset's freshness checks when a materialization expires (issue 20, DESIGN §14): one
 * `asset.check.evaluated` per check with a freshness rule, id derived from the `asset.expired` event's id and the
 * check name (so a redelivered timer appends nothing twice), belonging to the expired materialization.
 */
export function expiredFreshnessResults(
  payload: FreshnessTimerPayload,
  expiredEventId: string,
): Array<{ id: string; type: 'asset.check.evaluated'; data: AssetCheckEvaluated }> {
  const { produced } = payload;
  return (payload.freshnessChecks ?? []).map((check) => ({
    id: derivedEventId(expiredEventId, 'check', check.name),
    type: 'asset.check.evaluated',
    data: {
      assetId: produced.assetId,
      workflowSlug: produced.workflowSlug,
      workflowDefinitionId: produced.workflowDefinitionId,
      workflowRunId: produced.workflowRunId,
      stepId: produced.stepId,
      partitionKey: produced.partitionKey,
      producedEventId: payload.producedEventId,
      producedAt: produced.producedAt,
      checkName: check.name,
      severity: check.severity,
      blocking: check.blocking,
      passed: false,
      source: 'service',
      metadata: { expiredAt: payload.expiresAt, reason: payload.reason },
      violations: [
        {
          path: '/producedAt',
          message: `expired at ${payload.expiresAt} (${payload.reason}) without a newer materialization`,
        },
      ],
    },
  }));
}
