import type { AssetProduced } from '../assets/asset.events.js';
import type { CauseEvent, SagaOutput } from './saga-output.js';

/** The body of a `freshness-ttl` / `freshness-cadence` timer: enough to append `asset.expired` without a lookup. */
export interface FreshnessTimerPayload {
  reason: 'ttl' | 'cadence';
  expiresAt: string;
  /** When the timer was scheduled: the `occurredAt` of the production that armed it. */
  requestedAt: string;
  producedEventId: string;
  producedSeq: number;
  /** Set for cadence timers, which re-arm for the next period after firing. */
  cadenceMs: number | null;
  produced: Omit<AssetProduced, 'payload'>;
}

/**
 * Arms the freshness timers of a materialization (DESIGN §7): `expiresAt` = the reported `producedAt` + `ttlMs`
 * (or `cadenceMs`), one timer per kind × workflow × asset × partition, so a newer production replaces the pending one.
 */
export function armFreshnessTimers(event: CauseEvent & { data: AssetProduced }, out: SagaOutput): void {
  const { payload: _payload, ...produced } = event.data;
  const freshness = produced.freshness;
  const keyParts = [produced.workflowSlug, produced.assetId, produced.partitionKey ?? ''];
  const plan: Array<['ttl' | 'cadence', number | undefined]> = [
    ['ttl', freshness?.ttlMs],
    ['cadence', freshness?.cadenceMs],
  ];
  for (const [reason, ms] of plan) {
    if (typeof ms !== 'number' || !(ms > 0)) continue;
    const expiresAt = new Date(Date.parse(produced.producedAt) + ms).toISOString();
    const payload: FreshnessTimerPayload = {
      reason,
      expiresAt,
      requestedAt: event.occurredAt,
      producedEventId: event.id,
      producedSeq: event.seq,
      cadenceMs: reason === 'cadence' ? ms : null,
      produced,
    };
    out.commands.push({
      type: 'ArmTimer',
      kind: reason === 'ttl' ? 'freshness-ttl' : 'freshness-cadence',
      keyParts,
      dueAt: expiresAt,
      payload,
    });
  }
}
