import {
  DiscardPolicy,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';
import type { Subjects } from './subjects.js';

const NS_PER_MS = 1_000_000;

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
      duplicate_window: 2 * 60_000 * NS_PER_MS,
      num_replicas: replicas,
    },
  ];
}

const STREAM_NAME_IN_USE = 10058;

/**
 * Creates missing streams and updates existing ones to the declared config. Idempotent; safe when several
 * instances start at once (the loser of a create race updates instead).
 */
export async function reconcileStreams(jsm: JetStreamManager, subjects: Subjects, replicas: number): Promise<void> {
  for (const config of streamConfigs(subjects, replicas)) {
    try {
      await jsm.streams.add(config);
    } catch (error) {
      if (!(error instanceof JetStreamApiError) || error.code !== STREAM_NAME_IN_USE) throw error;
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
