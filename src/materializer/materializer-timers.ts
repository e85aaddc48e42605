import type { Kysely } from 'kysely';
import type { Database } from '../../projections/database.js';
import type { AssetExpired } from '../assets/asset.events.js';
import { derivedEventId, toEnvelope } from '../events/envelope.js';
import type { EventStore } from '../events/event-store.js';
import type { TimerMessage, TimerService } from '../timers/timer-service.js';
import { MATERIALIZER_ACTOR } from './materializer-effects.js';
import { MATERIALIZER_SUBJECT_TOKEN, type BackoffElapsed } from './materializer.events.js';
import type { FreshnessTimerPayload } from './freshness.js';
import { partitionNorm } from './saga-state.js';

export interface MaterializerTimerDeps {
  store: EventStore;
  db: Kysely<Database>;
  timers: TimerService;
}

/**
 * Handlers of the materializer's timer kinds. Registered in every process that consumes timers, so a due timer is
 * never bounced between processes; each appends an event with an id derived from the timer, so a timer delivered
 * twice (crash before its ack) appends nothing new within the dedupe window and the saga ignores the rest.
 */
export function registerMaterializerTimers(deps: MaterializerTimerDeps): void {
  deps.timers.on('freshness-ttl', (timer, now) =>
    fireFreshness(deps, timer as TimerMessage<FreshnessTimerPayload>, now),
  );
  deps.timers.on('freshness-cadence', (timer, now) =>
    fireFreshness(deps, timer as TimerMessage<FreshnessTimerPayload>, now),
  );
  deps.timers.on('backoff', (timer, now) => fireBackoff(deps, timer as TimerMessage<BackoffElapsed>, now));
}

/** Appends `asset.expired` unless the materialization was replaced; a cadence timer re-arms for its next period. */
async function fireFreshness(
  deps: MaterializerTimerDeps,
  timer: TimerMessage<FreshnessTimerPayload>,
  now: Date,
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
  const envelope = toEnvelope(
    {
      id: derivedEventId(payload.producedEventId, 'asset.expired', payload.reason, payload.expiresAt),
      type: 'asset.expired',
      data,
    },
    { correlationId: produced.workflowRunId, causationId: payload.producedEventId, actor: MATERIALIZER_ACTOR },
    laterOf(now, payload.expiresAt),
  );
  await deps.store.append(deps.store.subjects.asset('expired', produced.assetId), [envelope]);
  if (payload.cadenceMs !== null) await rearmCadence(deps, timer, now);
}

/** The newest materialization the saga recorded is a later one (by stream sequence) than the timer's. */
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

/** The next period strictly after now (a long outage fires once, not once per missed period). */
async function rearmCadence(
  deps: MaterializerTimerDeps,
  timer: TimerMessage<FreshnessTimerPayload>,
  now: Date,
): Promise<void> {
  const cadenceMs = timer.payload.cadenceMs!;
  const periods = Math.max(1, Math.floor((now.getTime() - Date.parse(timer.payload.expiresAt)) / cadenceMs) + 1);
  const expiresAt = new Date(Date.parse(timer.payload.expiresAt) + periods * cadenceMs).toISOString();
  await deps.timers.arm('freshness-cadence', timer.key, expiresAt, {
    ...timer.payload,
    expiresAt,
    requestedAt: now.toISOString(),
  });
}

async function fireBackoff(deps: MaterializerTimerDeps, timer: TimerMessage<BackoffElapsed>, now: Date): Promise<void> {
  await appendBackoffElapsed(deps.store, timer.payload, now);
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
  await store.append(
    store.subjects.materializer(data.workflowSlug, MATERIALIZER_SUBJECT_TOKEN['materializer.backoff.elapsed']),
    [envelope],
  );
}

/** Never stamp an event before the instant it is about (clocks of two processes may differ slightly). */
function laterOf(now: Date, iso: string): string {
  return new Date(Math.max(now.getTime(), Date.parse(iso))).toISOString();
}
