import type { Logger } from 'pino';
import { listenForCompletionRequests, type CompletionInboxBound, type CompletionReply } from './completion-inbox.js';
import { ConsumerRunner } from './consumer-runner.js';
import { EventFeed } from './event-feed.js';
import type { EventSchemaRegistry } from './event-schemas.js';
import { EventStore } from './event-store.js';
import { JobQueue } from './job-queue.js';
import { consumerLeaseKey } from './lease.js';
import { LineagePublisher } from './lineage-publisher.js';
import { openNatsContext, rememberContext, type NatsContext, type NatsContextOptions } from './nats-context.js';
import { RunIndex } from './run-index.js';
import type { RunnerOptions, StreamConsumer } from './stream-consumer.js';
import { StreamReplay, type ReplayOptions } from './stream-replay.js';
import { TimerQueue } from './timer-queue.js';

/** `/health/ready`'s view of the event log: the client is connected and the events stream answers. */
export interface EventLogReadiness {
  check(): Promise<{ ok: boolean; detail?: string }>;
}

/** Who holds a stream consumer's lease in `<prefix>-leases` (any process); null while nobody does. */
export interface LeaseStatus {
  holderOf(consumer: string): Promise<string | null>;
}

/** Stream consumers on this connection: live runners (leased, from their checkpoint) and replays to a sequence. */
export interface StreamConsumers {
  runner(handler: StreamConsumer, options: Omit<RunnerOptions, 'nats' | 'store'>): ConsumerRunner;
  replay(options: Omit<ReplayOptions, 'nats' | 'store'>): StreamReplay;
}

/** Workers' completion requests on `<prefix>_job.complete`, answered like the HTTP endpoint. */
export interface CompletionRequests {
  /** The subject (a problem's `instance`). */
  readonly subject: string;
  listen(
    log: Logger,
    handle: (body: unknown) => Promise<CompletionReply>,
    bound: CompletionInboxBound,
  ): { stop(): void };
}

/** What the composition root logs and measures of the connection. */
export interface ConnectionFacts {
  serverVersion: string;
  /** Started on a server with the clustered expected-sequence race because told to (`serverVersionProblem`). */
  versionWarning: string | null;
  /** The server's real `max_payload` (bytes). */
  maxPayload: number;
  stats(): { outMsgs: number; inMsgs: number };
}

/**
 * What `src/events` hands out of its NATS connection: one narrow port per kind of user (DESIGN §3, STYLE §3). The
 * connection itself (`NatsContext`) stays inside `src/events`; a dependency-cruiser rule keeps it there.
 */
export interface EventPorts {
  /** Appends and reads domain events. */
  readonly store: EventStore;
  /** Live events for `/events` (one shared consumer per process, created on first use). */
  readonly feed: EventFeed;
  readonly readiness: EventLogReadiness;
  readonly leases: LeaseStatus;
  readonly consumers: StreamConsumers;
  readonly completions: CompletionRequests;
  readonly connection: ConnectionFacts;
  /** A run index over `<prefix>-runs` (each keeps its own cache of run → workflow). */
  runIndex(): RunIndex;
  jobs(log: Logger): JobQueue;
  timers(log: Logger, maxConcurrent?: number): TimerQueue;
  lineagePublisher(): LineagePublisher;
  /** Drains and closes the connection. */
  close(): Promise<void>;
}

/** Connects (streams and buckets reconciled) and hands out the ports; see `openNatsContext` for the failures. */
export async function openEventPorts(options: NatsContextOptions, schemas: EventSchemaRegistry): Promise<EventPorts> {
  const nats = await openNatsContext(options);
  return eventPortsFor(nats, new EventStore(nats, schemas));
}

/** The ports of an open connection and its event store (tests open the connection themselves). */
export function eventPortsFor(nats: NatsContext, store: EventStore): EventPorts {
  const ports: EventPorts = {
    store,
    feed: new EventFeed(nats),
    readiness: { check: () => checkEventLog(nats) },
    leases: {
      holderOf: async (consumer) => {
        const entry = await nats.leases.get(consumerLeaseKey(consumer));
        return entry && entry.operation === 'PUT' ? entry.string() : null;
      },
    },
    consumers: {
      runner: (handler, options) => new ConsumerRunner(handler, { ...options, nats, store }),
      replay: (options) => new StreamReplay({ ...options, nats, store }),
    },
    completions: {
      subject: nats.subjects.jobComplete,
      listen: (log, handle, bound) => listenForCompletionRequests(nats, log, handle, bound),
    },
    connection: {
      serverVersion: nats.serverVersion,
      versionWarning: nats.versionWarning,
      maxPayload: nats.nc.info?.max_payload ?? nats.maxPayload,
      stats: () => nats.nc.stats(),
    },
    runIndex: () => new RunIndex(nats),
    jobs: (log) => new JobQueue(nats, log),
    timers: (log, maxConcurrent) => new TimerQueue(nats, log, maxConcurrent),
    lineagePublisher: () => new LineagePublisher(nats),
    close: () => nats.close(),
  };
  rememberContext(ports, nats);
  return ports;
}

async function checkEventLog(nats: NatsContext): Promise<{ ok: boolean; detail?: string }> {
  try {
    if (!nats.isConnected()) return { ok: false, detail: 'not connected' };
    await nats.jsm.streams.info(nats.subjects.streams.events);
    return { ok: true };
  } catch (error) {
    return { ok: false, detail: (error as Error).message };
  }
}
