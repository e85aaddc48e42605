import { sql, type Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../../projections/database.js';
import { derivedEventId, toEnvelope } from '../events/envelope.js';
import type { EventStore } from '../events/event-store.js';
import type { LeaseStatus } from '../events/event-ports.js';
import { MATERIALIZER_ACTOR } from './materializer-timers.js';
import { MATERIALIZER_SUBJECT_TOKEN, type RunReconciled } from './materializer.events.js';
import { MATERIALIZER_CONSUMER } from './materializer.consumer.js';
import { appendBackoffElapsed } from './materializer-timers.js';
import { inFlightSnapshot } from './state/materializer.snapshots.js';

const TERMINAL: Record<string, RunReconciled['status']> = {
  'workflow.run.succeeded': 'succeeded',
  'workflow.run.failed': 'failed',
  'workflow.run.canceled': 'canceled',
};

export interface SweepDeps {
  db: Kysely<Database>;
  store: EventStore;
  /** Who holds the materializer's lease: only its holder sweeps. */
  leases: LeaseStatus;
  instanceId: string;
  intervalMs: number;
  /** An in-flight claim older than this is released even though its run has not ended. */
  maxClaimAgeMs: number;
  log: Logger;
}

/**
 * `ASSET_MATERIALIZER_REFRESH_INTERVAL_MS`: a reconciliation sweep, never on the trigger path (B7). In the process
 * holding the materializer's lease it (1) checks in-flight auto runs older than one interval against their run
 * subject and reports runs that ended or never existed (`materializer.run.reconciled`), releases claims older than
 * `ASSET_MATERIALIZER_MAX_CLAIM_AGE_MS` whose run never ends (`claim-expired`, so later triggers are not coalesced
 * into a stuck run forever), and (2) releases pending
 * triggers whose backoff window is over (`materializer.backoff.elapsed`) in case a timer was lost. Both events
 * have derived ids and the saga ignores what it already knows, so a sweep can never double a run.
 */
export class ReconciliationSweep {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(private readonly deps: SweepDeps) {}

  start(): void {
    this.timer ??= setInterval(() => {
      this.running ??= this.sweep()
        .catch((error) => this.deps.log.warn({ err: error }, 'materializer sweep failed'))
        .finally(() => (this.running = undefined));
    }, this.deps.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One sweep; returns how many events it appended (0 when another instance holds the lease). */
  async sweep(now = new Date()): Promise<number> {
    const holder = await this.deps.leases.holderOf(MATERIALIZER_CONSUMER).catch(() => null);
    if (holder !== this.deps.instanceId) return 0;
    return (await this.reconcileInFlight(now)) + (await this.releaseElapsed(now));
  }

  private async reconcileInFlight(now: Date): Promise<number> {
    const cutoff = new Date(now.getTime() - this.deps.intervalMs).toISOString();
    const rows = await this.deps.db
      .selectFrom('materializer_target')
      .select(['workflow_slug', 'partition_key', 'in_flight'])
      .where('in_flight', 'is not', null)
      .where(sql<string>`in_flight->>'since'`, '<', cutoff)
      .limit(10_000)
      .execute();
    let appended = 0;
    const claimCutoff = now.getTime() - this.deps.maxClaimAgeMs;
    for (const row of rows) {
      const inFlight = inFlightSnapshot.decode(row.in_flight);
      const runId = inFlight.runId;
      const last = await this.deps.store.readLast(this.deps.store.subjects.run(row.workflow_slug, runId));
      const expired = Date.parse(inFlight.since) < claimCutoff;
      const status: RunReconciled['status'] | undefined = last
        ? (TERMINAL[last.type] ?? (expired ? 'claim-expired' : undefined))
        : 'missing';
      if (!status) continue;
      await this.appendReconciled(
        {
          workflowSlug: row.workflow_slug,
          partitionKey: row.partition_key,
          runId,
          status,
          detail:
            status === 'claim-expired'
              ? `claim older than ${this.deps.maxClaimAgeMs} ms released; the run itself was left alone`
              : 'reconciliation sweep',
        },
        now,
        inFlight.since,
      );
      appended += 1;
    }
    return appended;
  }

  private async releaseElapsed(now: Date): Promise<number> {
    const rows = await this.deps.db
      .selectFrom('materializer_target')
      .select(['workflow_slug', 'partition_key', 'next_eligible_at'])
      .where('in_flight', 'is', null)
      .where('pending', 'is not', null)
      .where('next_eligible_at', '<=', now.toISOString())
      .limit(10_000)
      .execute();
    for (const row of rows)
      await appendBackoffElapsed(
        this.deps.store,
        { workflowSlug: row.workflow_slug, partitionKey: row.partition_key, nextEligibleAt: row.next_eligible_at! },
        now,
      );
    return rows.length;
  }

  /** Appended once: a later sweep (the claim not yet released) finds the earlier event and adds nothing. */
  private async appendReconciled(data: RunReconciled, now: Date, claimedSince: string): Promise<void> {
    const { store } = this.deps;
    const envelope = toEnvelope(
      {
        id: derivedEventId(data.runId, 'materializer.run.reconciled', data.status),
        type: 'materializer.run.reconciled',
        data,
      },
      { correlationId: data.runId, causationId: null, actor: MATERIALIZER_ACTOR },
      now.toISOString(),
    );
    await store.appendOnceSince(
      store.subjects.materializer(data.workflowSlug, MATERIALIZER_SUBJECT_TOKEN['materializer.run.reconciled']),
      envelope,
      new Date(claimedSince),
    );
  }
}
