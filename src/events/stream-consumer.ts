import type { Kysely, RawBuilder, Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../../projections/database.js';
import type { Metrics } from '../observability/metrics.js';
import type { CheckpointMove } from './consumer-store/index.js';
import type { StoredEvent } from './envelope.js';
import type { EventStore } from './event-store.js';
import type { NatsContext } from './nats-context.js';
import type { RunnerPhase } from './runner-health.js';

/**
 * A read model: `handle` applies a batch inside the transaction that also stores the new checkpoint (STYLE §5).
 */
export interface BatchHandler<Prepared = unknown> {
  name: string;
  kind?: 'projection';
  /**
   * Work on a batch that must not hold a transaction open (a call to an outside system): runs before the batch's
   * transaction, outside any, and its result is handed to `handle`. A failure is retried from the checkpoint (it
   * must isolate its own poison events; the runner cannot). A handler with `prepare` has no `applyAtOnce`.
   */
  prepare?(events: readonly StoredEvent[], db: Kysely<Database>): Promise<Prepared>;
  /**
   * `prepared` is what `prepare` returned for the whole batch, also when the runner applies the batch one event at a
   * time after a failure (then `handle` is called once per event in the same transaction).
   */
  handle(events: readonly StoredEvent[], tx: Transaction<Database>, prepared?: Prepared): Promise<void>;
  /**
   * Further checkpoint rows the batch moves with the handler's own (a projection group's members), in the same
   * statement; a member already ahead (just rebuilt) keeps its position.
   */
  checkpointMembers?: readonly string[];
  /** Called after a batch committed (in-process notifications only; must not fail). */
  afterCommit?(events: readonly StoredEvent[]): void;
  /**
   * Applies the batch and moves the checkpoint without a transaction block, in as few statements as it can (a
   * projection group: one read, then one statement for every write and the checkpoint); false when it cannot for
   * this batch (the runner then uses `handle` in a transaction).
   */
  applyAtOnce?(events: readonly StoredEvent[], db: Kysely<Database>, move: CheckpointMove): Promise<boolean>;
}

/** An event a process manager could not decide on its own (it goes to the dead letters). */
export interface PoisonEvent {
  event: StoredEvent;
  error: unknown;
}

/**
 * A manager's write-back: run inside the transaction that moves the checkpoint, or, when it has `statements`
 * (data-modifying statements, each an insert, update or delete), those run as CTEs of the checkpoint's own
 * statement: one round trip instead of four (`begin`, the write, the checkpoint, `commit`).
 */
export type ManagerWrite = ((tx: Transaction<Database>) => Promise<void>) & {
  statements?: readonly RawBuilder<unknown>[];
};

/**
 * A process manager (STYLE §6): its state lives in memory while it holds the lease. `hydrate` loads it from the
 * manager's store (when the lease is taken and after any failure, so a failed batch never leaves half-applied
 * memory behind); `process` decides a batch and carries out its effects (all settled; an infrastructure failure
 * throws); `takeChanges` hands over (synchronously, between batches) what changed since the last time, as a write
 * that runs inside the transaction that moves the checkpoint. Persisting is lazy (every few dozen milliseconds, not
 * per batch) and runs beside the next batches: a crash replays from the checkpoint, and every effect is idempotent
 * (derived ids, expected sequences, de-duplicated appends).
 */
export interface ProcessManager {
  name: string;
  kind: 'process-manager';
  /**
   * Loads the manager's state from `snapshot`, a read-only view taken in the same transaction (repeatable read) as
   * the checkpoint, so state and position always match; `db` is the handle for reads made later, while deciding.
   */
  hydrate(snapshot: Kysely<Database>, db: Kysely<Database>): Promise<void>;
  process(events: readonly StoredEvent[]): Promise<PoisonEvent[]>;
  takeChanges(): ManagerWrite | null;
  /** True when memory holds changes not yet handed over. */
  readonly dirty: boolean;
  /** After a write committed. */
  afterPersist?(): void;
}

export type StreamConsumer = BatchHandler | ProcessManager;

export interface RunnerOptions {
  nats: NatsContext;
  store: EventStore;
  db: Kysely<Database>;
  log: Logger;
  leaseTtlMs: number;
  /** Owner id in the lease bucket (one per process). */
  instanceId: string;
  batchSize?: number;
  /** Batch size while far behind the stream (catch-up after downtime, rebuild); default: `batchSize`. */
  catchUpBatchSize?: number;
  /** Close a batch as soon as no further message is already delivered, instead of lingering (latency-sensitive consumers). */
  closeWhenIdle?: boolean;
  /** Without a lease (rebuild of a shadow copy). */
  withoutLease?: boolean;
  /** Runs before each batch inside the transaction (rebuild: `SET LOCAL search_path`). */
  prepareTransaction?: (tx: Transaction<Database>) => Promise<void>;
  /** Process managers: write state at most this often while busy (default 50 ms). */
  persistEveryMs?: number;
  /** Batch timings and failures (optional: tools run without metrics). */
  metrics?: Metrics;
  /**
   * A replicated events stream (`APPHUB_STREAM_REPLICAS` > 1): each batch's last message is compared with the stream
   * leader's copy (one `STREAM.MSG.GET`), and a batch that differs is read from the leader.
   */
  checkWithLeader?: boolean;
  /** Record where each event waited (`apphub_read_path_seconds`): the read-model group does. */
  traceReadPath?: boolean;
  /**
   * Drills only (`APPHUB_TEST_FREEZE_FILE`); production passes none. Called inside each write's transaction after
   * the consumer's rows, before the checkpoint moves (process managers, and read models whose batch takes the
   * transaction path: an armed freeze sends it there).
   */
  testFreeze?: TestFreeze;
}

/** Drills only: a freeze inside a consumer's write transaction (`src/runtime/test-freeze.ts`). */
export interface TestFreeze {
  /** True while the file names this process and `consumer`: its next batch takes the transaction path. */
  armed(consumer: string): boolean;
  /** Inside the write's transaction: stops the process when armed for `consumer`. */
  inside(consumer: string): void;
}

/** What readiness and metrics see of a runner. */
export interface RunnerStatus {
  name: string;
  leader: boolean;
  position: number;
  /** Since when the runner keeps failing (ms epoch), or null. */
  failingSince: number | null;
  /** The dependency its last failure was about (`failedDependency`), null when none or not a dependency's. */
  failingOn: 'nats' | 'postgres' | null;
  /** Since when it is behind the stream without moving (ms epoch), or null. */
  stalledSince: number | null;
  lastError: string | null;
  /** What the runner awaits now (`RunnerPhase`), and since when (ms epoch). */
  phase: RunnerPhase;
  phaseSince: number;
}
