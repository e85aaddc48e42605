/**
 * Every subject, stream, durable and bucket name, built from the configured prefix (DESIGN §3). Tokens are
 * validated here so `*`, `>`, whitespace and empty tokens can never reach a subject.
 */
export class InvalidSubjectTokenError extends Error {
  constructor(readonly token: string) {
    super(`invalid subject token ${JSON.stringify(token)}`);
    this.name = 'InvalidSubjectTokenError';
  }
}

const TOKEN = /^[A-Za-z0-9_:-]+$/;
const DOTTED = /^[A-Za-z0-9_:-]+(\.[A-Za-z0-9_:-]+)*$/;

function token(value: string): string {
  if (!TOKEN.test(value)) throw new InvalidSubjectTokenError(value);
  return value;
}

function dotted(value: string): string {
  if (!DOTTED.test(value) || value.length > 200) throw new InvalidSubjectTokenError(value);
  return value;
}

export type AssetSubjectKind =
  'produced' | 'expired' | 'stale-marked' | 'stale-cleared' | 'parameters-set' | 'parameters-deleted' | 'check';

export type TimerKind =
  'freshness-ttl' | 'freshness-cadence' | 'backoff' | 'step-timeout' | 'step-retry' | 'dependency-wait';

export type Subjects = ReturnType<typeof subjectsFor>;

/** All names for one prefix. */
export function subjectsFor(prefix: string) {
  const upper = prefix.toUpperCase().replace(/-/g, '_');
  return {
    prefix,
    streams: { events: `${upper}_EVENTS`, timers: `${upper}_TIMERS`, jobs: `${upper}_JOBS` },
    buckets: { runs: `${prefix}-runs`, leases: `${prefix}-leases` },
    allEvents: `${prefix}.>`,
    allTimers: `${prefix}_timer.>`,
    allJobs: `${prefix}_job.dispatch.>`,
    jobComplete: `${prefix}_job.complete`,
    asset: (kind: AssetSubjectKind, assetId: string) => `${prefix}.asset.${kind}.${dotted(assetId)}`,
    assetFilter: (kind: AssetSubjectKind | '*', assetPattern: string) => `${prefix}.asset.${kind}.${assetPattern}`,
    definition: (slug: string) => `${prefix}.workflow.definition.updated.${token(slug)}`,
    run: (slug: string, runId: string) => `${prefix}.run.${token(slug)}.${token(runId)}`,
    /** A run's subject whatever its workflow (a lookup by run id when the run index does not know it). */
    runOfAnyWorkflow: (runId: string) => `${prefix}.run.*.${token(runId)}`,
    materializer: (slug: string, outcome: string) => `${prefix}.materializer.${token(slug)}.${token(outcome)}`,
    /** Every materializer event (decisions, backoff ends, reconciliations). */
    allMaterializer: `${prefix}.materializer.>`,
    backfill: (slug: string, backfillId: string) => `${prefix}.backfill.${token(slug)}.${token(backfillId)}`,
    /** Every backfill event. */
    allBackfills: `${prefix}.backfill.>`,
    timer: (kind: TimerKind, key: string) => `${prefix}_timer.${kind}.${token(key)}`,
    jobDispatch: (jobSlug: string) => `${prefix}_job.dispatch.${token(jobSlug)}`,
    jobDurable: (jobSlug: string) => `${prefix}-job-${token(jobSlug)}`,
    timerDurable: `${prefix}-timers`,
  };
}
