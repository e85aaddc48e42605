import { randomUUID } from 'node:crypto';
import { DeliverPolicy } from '@nats-io/jetstream';
import type { Kysely } from 'kysely';
import type { Database } from '../../projections/database.js';
import { ConsumerRunner, type PoisonEvent, type ProcessManager } from '../../src/events/consumer-runner.js';
import type { StoredEvent } from '../../src/events/envelope.js';
import type { EventStore } from '../../src/events/event-store.js';
import type { TestPlatform } from './test-platform.js';
import { eventually } from './waiting.js';

/** How a test interrupts a process manager. */
export type Interruption = 'none' | 'restart' | 'crash';

/**
 * A process manager that dies in the middle of its next batch once armed: the batch's effects are carried out, then
 * the process is gone (every later call fails, so nothing more is written, like `kill -9` after the appends).
 */
export class CrashingManager implements ProcessManager {
  readonly kind = 'process-manager' as const;
  private armed = false;
  crashed = false;

  constructor(readonly inner: ProcessManager) {}

  get name(): string {
    return this.inner.name;
  }
  get dirty(): boolean {
    return this.crashed ? false : this.inner.dirty;
  }

  /** Crash after the effects of the next batch that `matches`. */
  arm(): void {
    this.armed = true;
  }

  async hydrate(snapshot: Kysely<Database>, db: Kysely<Database>): Promise<void> {
    if (this.crashed) throw new Error('process is gone');
    await this.inner.hydrate(snapshot, db);
  }

  async process(events: readonly StoredEvent[]): Promise<PoisonEvent[]> {
    if (this.crashed) throw new Error('process is gone');
    const poison = await this.inner.process(events);
    if (this.armed) {
      this.crashed = true;
      throw new Error('crashed after the batch’s effects, before its state was written');
    }
    return poison;
  }

  takeChanges() {
    return this.crashed ? null : this.inner.takeChanges();
  }

  afterPersist(): void {
    this.inner.afterPersist?.();
  }
}

/** Starts a runner for a manager on a test platform (its own instance id: a new process). */
export function startManager(p: TestPlatform, manager: ProcessManager): ConsumerRunner {
  const runner = new ConsumerRunner(manager, {
    nats: p.nats,
    store: p.store,
    db: p.database.db,
    log: p.log,
    leaseTtlMs: 1500,
    instanceId: `process-${randomUUID()}`,
    batchSize: 20,
    persistEveryMs: 20,
  });
  runner.start();
  return runner;
}

/** Waits until the runner has read the whole stream, including whatever it appended itself meanwhile. */
export async function settle(store: EventStore, runner: ConsumerRunner): Promise<number> {
  for (;;) {
    const head = await store.lastSequence();
    if (!(await runner.waitFor(head, 20_000))) throw new Error(`${runner.name} did not reach ${head}`);
    if ((await store.lastSequence()) === head) return head;
  }
}

/** Waits until the manager's state and checkpoint are written up to `seq` (the lazy write-back caught up). */
export async function persisted(p: TestPlatform, name: string, seq: number): Promise<void> {
  await eventually(
    async () =>
      (
        await p.database.db
          .selectFrom('projection_checkpoint')
          .select('last_seq')
          .where('name', '=', name)
          .executeTakeFirst()
      )?.last_seq ?? 0,
    (lastSeq) => lastSeq >= seq,
  );
}

/** Waits until a runner reports a failure (the crashed process keeps failing). */
export async function failing(runner: ConsumerRunner): Promise<void> {
  await eventually(
    async () => runner.status().failingSince,
    (since) => since !== null,
  );
}

/** Every event of the stream, in order. */
export async function readStream(p: TestPlatform): Promise<StoredEvent[]> {
  const head = await p.store.lastSequence();
  if (head === 0) return [];
  const consumer = await p.nats.js.consumers.get(p.nats.subjects.streams.events, {
    filter_subjects: p.nats.subjects.allEvents,
    deliver_policy: DeliverPolicy.All,
  });
  const messages = await consumer.consume({ max_messages: 1000, expires: 2000 });
  const events: StoredEvent[] = [];
  try {
    for await (const message of messages) {
      events.push(p.store.decodeMessage(message));
      if (message.seq >= head) break;
    }
  } finally {
    messages.stop();
  }
  return events;
}

/** Event types whose ids are derived from a stream position (differs between runs of one scenario). */
const POSITIONAL_IDS = new Set(['workflow.run.waiting', 'workflow.run.resumed']);

/**
 * The stream as comparable facts: each subject's history (types in order, subjects without the test prefix), the
 * ids that are derived from facts alone (sorted), and the ids that occur more than once.
 */
export function streamContents(events: readonly StoredEvent[], prefix: string) {
  const histories = new Map<string, string[]>();
  for (const event of events) {
    const subject = event.subject.slice(prefix.length);
    histories.set(subject, [...(histories.get(subject) ?? []), event.type]);
  }
  const ids = events
    .filter((event) => !POSITIONAL_IDS.has(event.type))
    .map((event) => `${event.type} ${event.id}`)
    .sort();
  const seen = new Set<string>();
  const duplicateIds = events.filter((event) => (seen.has(event.id) ? true : (seen.add(event.id), false)));
  return {
    histories: [...histories].map(([subject, types]) => `${subject}: ${types.join(', ')}`).sort(),
    ids,
    duplicateIds: duplicateIds.map((event) => `${event.type} ${event.id}`),
  };
}

/** The smallest duplicate window the server takes (it refuses less than 100 ms). */
export const SHORT_DUPLICATE_WINDOW_MS = 100;

/**
 * Shrinks the events stream's duplicate window to 100 ms, so a replay after `afterWindow()` stands for one after an
 * outage longer than the 2-minute window: `Nats-Msg-Id` no longer catches a second append of an id.
 */
export async function withShortDedupe(p: TestPlatform): Promise<void> {
  await p.nats.jsm.streams.update(p.nats.subjects.streams.events, {
    duplicate_window: SHORT_DUPLICATE_WINDOW_MS * 1_000_000,
  });
}

/** Waits until everything appended before now is out of the short duplicate window. */
export async function afterWindow(): Promise<void> {
  const since = Date.now();
  await eventually(
    async () => Date.now() - since,
    (elapsed) => elapsed > SHORT_DUPLICATE_WINDOW_MS * 2,
  );
}

/** How a world interrupts its manager, and whether the interruption outlasts the duplicate window. */
export interface ManagerWorldOptions {
  interruption: Interruption;
  /** The replay after the interruption comes after the (shortened) duplicate window: `Nats-Msg-Id` catches nothing. */
  outage?: boolean;
}

/**
 * One database and prefix with a process manager in a runner. `createManager` builds a new "process" (hydrating
 * from Postgres); `interrupt` restarts it gracefully or crashes it after a batch's effects, as the options say.
 */
export abstract class ManagerWorld {
  runner!: ConsumerRunner;
  private crashing: CrashingManager | undefined;

  protected constructor(
    readonly p: TestPlatform,
    protected readonly options: ManagerWorldOptions,
  ) {}

  protected abstract createManager(): ProcessManager;

  start(): void {
    this.crashing = new CrashingManager(this.createManager());
    this.runner = startManager(this.p, this.crashing);
  }

  async interrupt(next: () => Promise<void>): Promise<void> {
    if (this.options.interruption === 'restart') {
      await this.settle();
      await this.runner.stop();
      if (this.options.outage) await afterWindow();
      this.start();
      await next();
    } else if (this.options.interruption === 'crash') {
      this.crashing!.arm();
      await next();
      await failing(this.runner);
      await this.runner.stop();
      if (this.options.outage) await afterWindow();
      this.start();
    } else {
      await next();
    }
    await this.settle();
  }

  settle(): Promise<number> {
    return settle(this.p.store, this.runner);
  }
}
