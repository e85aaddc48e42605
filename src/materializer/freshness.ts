import type { AssetExpired, AssetProduced } from '../assets/asset.events.js';
import type { AssetDeclaration, CheckSeverity } from '../workflows/workflow-definition.js';
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
  /** The asset's checks with a freshness rule (issue 20): each fails when the timer expires the materialization. */
  freshnessChecks?: FreshnessCheck[];
}

/** A declared check with a freshness rule, as the expiry records its result. */
export interface FreshnessCheck {
  name: string;
  severity: CheckSeverity;
  blocking: boolean;
}

/** The declaration's checks with a freshness rule. */
export function freshnessChecksOf(declaration: AssetDeclaration | undefined): FreshnessCheck[] {
  return (declaration?.checks ?? [])
    .filter((check) => check.freshness !== undefined)
    .map((check) => ({ name: check.name, severity: check.severity, blocking: check.blocking ?? false }));
}

/**
 * Arms the freshness timers of a materialization (DESIGN §7): `expiresAt` = the reported `producedAt` + `ttlMs`
 * (or `cadenceMs`), one timer per kind × workflow × asset × partition, so a newer production replaces the pending one.
 */
export function armFreshnessTimers(
  event: CauseEvent & { data: AssetProduced },
  freshnessChecks: readonly FreshnessCheck[],
  out: SagaOutput,
): void {
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
      ...(freshnessChecks.length > 0 ? { freshnessChecks: [...freshnessChecks] } : {}),
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

/**
 * A cadence expiry re-arms its timer for the next period after the expiry — only while the workflow's current
 * declaration of the asset still has a `cadenceMs` and an active policy (a changed or switched-off declaration
 * stops the cadence) and the expired materialization is still the newest (a newer one armed its own timers).
 * The next due time is the first period end after the expiry, so a long outage fires once, not once per period.
 */
export function rearmCadence(
  event: CauseEvent & { data: AssetExpired },
  declared: AssetDeclaration | undefined,
  out: SagaOutput,
): void {
  const data = event.data;
  const cadenceMs = declared?.freshness?.cadenceMs;
  const policy = declared?.autoMaterialize;
  if (data.reason !== 'cadence' || typeof cadenceMs !== 'number' || !policy || policy.enabled === false) return;
  const previous = Date.parse(data.expiresAt);
  const periods = Math.max(1, Math.floor((Date.parse(event.occurredAt) - previous) / cadenceMs) + 1);
  const expiresAt = new Date(previous + periods * cadenceMs).toISOString();
  const { expiresAt: _e, requestedAt: _r, reason: _reason, producedEventId, ...produced } = data;
  const payload: FreshnessTimerPayload = {
    reason: 'cadence',
    expiresAt,
    requestedAt: event.occurredAt,
    producedEventId,
    producedSeq: 0,
    cadenceMs,
    produced: { ...produced, freshness: declared?.freshness ?? produced.freshness },
  };
  const checks = freshnessChecksOf(declared);
  if (checks.length > 0) payload.freshnessChecks = checks;
  out.commands.push({
    type: 'ArmTimer',
    kind: 'freshness-cadence',
    keyParts: [produced.workflowSlug, produced.assetId, produced.partitionKey ?? ''],
    dueAt: expiresAt,
    payload,
  });
}
