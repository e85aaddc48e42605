import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  type ConsumerConfig,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';
import type { Kvm, KvOptions } from '@nats-io/kv';
import type { Subjects } from './subjects.js';

const NS_PER_MS = 1_000_000;
/** How long the jobs stream remembers dispatch ids (`<runId>:<stepId>:<attempt>`). */
export const JOB_DEDUPE_WINDOW_MS = 6 * 3_600_000;

/** Every stream the service uses, declared once (DESIGN §3). */
export function streamConfigs(subjects: Subjects, replicas: number): Array<Partial<StreamConfig> & { name: string }> {
  return [
    {
      name: subjects.streams.events,
      subjects: [subjects.allEvents],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.Old,
      max_age: 0,
      max_msgs: -1,
      max_bytes: -1,
      deny_delete: true,
      deny_purge: true,
      duplicate_window: 2 * 60_000 * NS_PER_MS,
      num_replicas: replicas,
    },
    {
      name: subjects.streams.timers,
      subjects: [subjects.allTimers],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      max_msgs_per_subject: 1,
      duplicate_window: 2 * 60_000 * NS_PER_MS,
      num_replicas: replicas,
    },
    {
      name: subjects.streams.jobs,
      subjects: [subjects.allJobs],
      storage: StorageType.File,
      retention: RetentionPolicy.Workqueue,
      // Long: a dispatch the executor replays after an outage (its attempt still running) must not reach a worker
      // twice. The ids of six hours of dispatches are little to keep.
      duplicate_window: JOB_DEDUPE_WINDOW_MS * NS_PER_MS,
      num_replicas: replicas,
    },
  ];
}

const STREAM_NAME_IN_USE = 10058;
const STREAM_NOT_FOUND = 10059;
const STREAM_SUBJECT_OVERLAP = 10065;
/** The stream behind KV bucket `b` is `KV_b`. */
const KV_STREAM_PREFIX = 'KV_';

/**
 * Creates missing streams and updates existing ones to the declared config. Idempotent; safe when several
 * instances start at once (the loser of a create race updates instead).
 */
export async function reconcileStreams(jsm: JetStreamManager, subjects: Subjects, replicas: number): Promise<void> {
  for (const config of streamConfigs(subjects, replicas)) {
    try {
      await jsm.streams.add(config);
    } catch (error) {
      if (!(await existsDespite(jsm, config.name, error))) throw error;
      const current = await jsm.streams.info(config.name);
      // Retention and storage cannot change in place; everything else we declare can.
      const { retention: _retention, storage: _storage, ...updatable } = config;
      const differs = Object.entries(updatable).some(
        ([key, value]) =>
          JSON.stringify((current.config as unknown as Record<string, unknown>)[key]) !== JSON.stringify(value),
      );
      if (differs) await jsm.streams.update(config.name, { ...current.config, ...updatable });
    }
  }
}

/**
 * Creates a KV bucket or binds to it when it exists (`Kvm.create` reads the stream's info first, and adds it only
 * when there is none); the loser of a create race binds to the winner's bucket.
 */
export async function ensureBucket(kvm: Kvm, jsm: JetStreamManager, bucket: string, options: Partial<KvOptions>) {
  try {
    return await kvm.create(bucket, options);
  } catch (error) {
    if (!(await existsDespite(jsm, `${KV_STREAM_PREFIX}${bucket}`, error))) throw error;
    return kvm.create(bucket, options);
  }
}

/**
 * True when a stream create failed because another process created the stream meanwhile: the name is in use (10058),
 * or its subjects overlap a stream (10065) that turns out to be this very stream. nats-server before 2.9.16 checks the
 * name and registers a new stream under separate locks, so of several processes creating the same stream at once
 * the losers may get 10065 instead of the created stream. A 10065 while no stream has this name is a real overlap
 * with another stream, and stays an error.
 */
async function existsDespite(jsm: JetStreamManager, name: string, error: unknown): Promise<boolean> {
  if (!(error instanceof JetStreamApiError)) return false;
  if (error.code === STREAM_NAME_IN_USE) return true;
  if (error.code !== STREAM_SUBJECT_OVERLAP) return false;
  try {
    await jsm.streams.info(name);
    return true;
  } catch (infoError) {
    if (infoError instanceof JetStreamApiError && infoError.code === STREAM_NOT_FOUND) return false;
    throw infoError;
  }
}

const CONSUMER_NOT_FOUND = 10014;
const SECOND_NS = 1_000_000_000;

/**
 * Every durable consumer the service uses, declared here next to its stream (the stream readers — projections and
 * process managers — use ordered consumers from their Postgres checkpoints and have no durable).
 *
 * - `<prefix>-timers` on `<PREFIX>_TIMERS`: every timer kind; `nak(delay)` until due, so `max_ack_pending` must hold
 *   every pending timer and there is no `backoff` (DESIGN §3).
 * - `<prefix>-job-<jobSlug>` on `<PREFIX>_JOBS`: one shared durable per job slug (a work-queue stream refuses
 *   overlapping consumers); workers call `working()` while busy.
 */
export function durableConsumerConfigs(subjects: Subjects) {
  return {
    timers: {
      durable_name: subjects.timerDurable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: subjects.allTimers,
      // Short: a timer whose delayed redelivery was pending when the server restarted comes back within this.
      ack_wait: 5 * SECOND_NS,
      max_ack_pending: 1_000_000,
      max_deliver: -1,
    } satisfies Partial<ConsumerConfig>,
    job: (jobSlug: string) =>
      ({
        durable_name: subjects.jobDurable(jobSlug),
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        filter_subject: subjects.jobDispatch(jobSlug),
        ack_wait: 30 * SECOND_NS,
        max_deliver: -1,
        max_ack_pending: 1000,
      }) satisfies Partial<ConsumerConfig>,
  };
}

/** Creates a declared durable when missing (idempotent; several processes may race). */
export async function ensureDurable(
  jsm: JetStreamManager,
  stream: string,
  config: Partial<ConsumerConfig> & { durable_name: string },
): Promise<void> {
  try {
    const info = await jsm.consumers.info(stream, config.durable_name);
    const current = info.config as unknown as Record<string, unknown>;
    const changed = (['ack_wait', 'max_ack_pending', 'max_deliver'] as const).some(
      (key) => config[key] !== undefined && current[key] !== config[key],
    );
    if (changed)
      await jsm.consumers.update(stream, config.durable_name, {
        ack_wait: config.ack_wait,
        max_ack_pending: config.max_ack_pending,
        max_deliver: config.max_deliver,
      });
  } catch (error) {
    if (!(error instanceof JetStreamApiError) || error.code !== CONSUMER_NOT_FOUND) throw error;
    await jsm.consumers.add(stream, config).catch(async (raced: unknown) => {
      // Another process created it meanwhile.
      await jsm.consumers.info(stream, config.durable_name).catch(() => {
        throw raced;
      });
    });
  }
}
