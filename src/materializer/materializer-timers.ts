import type { Kysely } from 'kysely';
import type { Database } from '../../projections/database.js';
import type { AssetExpired } from '../assets/asset.events.js';
import { derivedEventId, toEnvelope } from '../events/envelope.js';
import type { EventStore } from '../events/event-store.js';
import type { TimerFiring, TimerMessage, TimerQueue } from '../events/timer-queue.js';
import { MATERIALIZER_SUBJECT_TOKEN, type BackoffElapsed } from './materializer.events.js';
import { expiredFreshnessResults } from './expired-freshness.js';
import type { FreshnessTimerPayload } from './freshness.js';
import { MATERIALIZER_ACTOR } from './saga-output.js';
import { partitionNorm } from './saga-state.js';

export { MATERIALIZER_ACTOR };

export interface MaterializerTimerDeps {
  store: EventStore;
  db: Kysely<Database>;
  timers: TimerQueue;
}

/**
 * Handlers of the materializer's timer kinds. Registered in every process that consumes timers, so a due timer is
 * never bounced between processes; each appends one event with an id derived from the timer — never twice, even
 * when the timer is redelivered long after an outage — and the saga decides what follows (a cadence re-arms there,
 * only while the current definition still asks for it).
 */
export function registerMaterializerTimers(deps: MaterializerTimerDeps): void {
  deps.timers.on('freshness-ttl', (timer, firing) =>
    fireFreshness(deps, timer as TimerMessage<FreshnessTimerPayload>, firing),
  );
  deps.timers.on('freshness-cadence', (timer, firing) =>
    fireFreshness(deps, timer as TimerMessage<FreshnessTimerPayload>, firing),
  );
  deps.timers.on('backoff', (timer, firing) => fireBackoff(deps, timer as TimerMessage<BackoffElapsed>, firing));
}

/** Appends `asset.expired` unless the materialization was replaced since the timer was armed. */
async function fireFreshness(
  deps: MaterializerTimerDeps,
  timer: TimerMessage<FreshnessTimerPayload>,
  firing: TimerFiring,
): Promise<void> {
  const payload = timer.payload;
  const { produced } = payload;
  if (await isReplaced(deps.db, payload)) return;
  const data: AssetExpired = {
    ...produced,
    expiresAt: payload.expiresAt,
    requestedAt: payload.requestedAt,
    reason: payload.reason,
    producedEventId: payload.producedEventId,
  };
  const expiredId = derivedEventId(payload.producedEventId, 'asset.expired', payload.reason, payload.expiresAt);
  const metadata = {
    correlationId: produced.workflowRunId,
    causationId: payload.producedEventId,
    actor: MATERIALIZER_ACTOR,
  };
  const occurredAt = laterOf(firing.now, payload.expiresAt);
  // Check results go first (like the relay's before asset.produced): a crash in between appends the expiry on the
  // timer's redelivery, and each append is once-only by its derived id.
  for (const result of expiredFreshnessResults(payload, expiredId)) {
    await deps.store.appendOnceSince(
      deps.store.subjects.asset('check', produced.assetId),
      toEnvelope(result, { ...metadata, causationId: expiredId }, occurredAt),
      new Date(payload.expiresAt),
    );
  }
  const envelope = toEnvelope({ id: expiredId, type: 'asset.expired', data }, metadata, occurredAt);
  await deps.store.appendOnceSince(
    deps.store.subjects.asset('expired', produced.assetId),
    envelope,
    new Date(payload.expiresAt),
  );
}

/** The newest materialization the saga recorded is another (later) one than the timer's. */
async function isReplaced(db: Kysely<Database>, payload: FreshnessTimerPayload): Promise<boolean> {
  const { produced } = payload;
  const latest = await db
    .selectFrom('materializer_latest')
    .select(['event_id', 'seq'])
    .where('workflow_slug', '=', produced.workflowSlug)
    .where('asset_id', '=', produced.assetId)
    .where('partition_key_norm', '=', partitionNorm(produced.partitionKey))
    .executeTakeFirst();
  return latest !== undefined && latest.event_id !== payload.producedEventId && latest.seq > payload.producedSeq;
}

async function fireBackoff(deps: MaterializerTimerDeps, timer: TimerMessage<BackoffElapsed>, firing: TimerFiring) {
  await appendBackoffElapsed(deps.store, timer.payload, firing.now);
}

/** `materializer.backoff.elapsed` for a workflow × partition window (id derived from the window's end). */
export async function appendBackoffElapsed(store: EventStore, data: BackoffElapsed, now: Date): Promise<void> {
  const envelope = toEnvelope(
    {
      id: derivedEventId(
        'materializer.backoff.elapsed',
        data.workflowSlug,
        partitionNorm(data.partitionKey),
        data.nextEligibleAt,
      ),
      type: 'materializer.backoff.elapsed',
      data,
    },
    { correlationId: data.workflowSlug, causationId: null, actor: MATERIALIZER_ACTOR },
    laterOf(now, data.nextEligibleAt),
  );
  await store.appendOnceSince(
    store.subjects.materializer(data.workflowSlug, MATERIALIZER_SUBJECT_TOKEN['materializer.backoff.elapsed']),
    envelope,
    new Date(data.nextEligibleAt),
  );
}

/** Never stamp an event before the instant it is about (clocks of two processes may differ slightly). */
function laterOf(now: Date, iso: string): string {
  return new Date(Math.max(now.getTime(), Date.parse(iso))).toISOString();
}
