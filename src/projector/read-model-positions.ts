import pg from 'pg';
import type { Logger } from 'pino';
import { sslOptions } from '../db/database-factory.js';
import type { DatabaseTls } from '../config/app-config.js';
import { CHECKPOINT_CHANNEL, SELECT_ALL_CHECKPOINTS, type CheckpointNotice } from '../events/consumer-store/index.js';
import { sleep } from '../events/lease.js';

const MAX_BACKOFF_MS = 2000;

interface Waiter {
  seq: number;
  resolve: (reached: boolean) => void;
  timer: NodeJS.Timeout;
}

/**
 * Read-model positions pushed, not polled: one LISTEN connection per process hears every checkpoint move (the
 * projector sends `pg_notify` in the checkpoint's own transaction, so a notification arrives only after the rows it
 * covers are committed) and wakes the waiters of that read model. On (re)connect it reads the checkpoints once, to
 * cover what moved while it was not listening. A waiter costs no query: 1,000 concurrent `?minSeq` reads cost what
 * one does.
 */
export class ReadModelPositions {
  private readonly positions = new Map<string, number>();
  /** Per read model, ascending by sequence. */
  private readonly waiters = new Map<string, Waiter[]>();
  private client: pg.Client | null = null;
  private readonly stopped = new AbortController();
  private loop: Promise<void> | undefined;
  private connected = false;
  private lostConnection = new AbortController();
  /** Each `(re)connect` that read the checkpoints (tests count them). */
  catchUpReads = 0;

  constructor(
    private readonly options: {
      connectionString: string;
      tls?: DatabaseTls;
      log: Logger;
      /** Seconds from commit to a waiter woken (the notification's trip), per notification. */
      onNotified?: (seconds: number) => void;
    },
  ) {}

  /** True while the LISTEN connection is up (positions are then at most one notification's trip behind). */
  get isListening(): boolean {
    return this.connected;
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Resolves once a wait on the LISTEN connection and the first catch-up read are done (or the start failed). */
  async ready(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.connected && Date.now() < deadline && !this.stopped.signal.aborted)
      await sleep(10, this.stopped.signal);
  }

  async stop(): Promise<void> {
    this.stopped.abort();
    this.lostConnection.abort();
    await this.client?.end().catch(() => undefined);
    await this.loop;
    for (const [name, list] of this.waiters) {
      for (const waiter of list.splice(0)) {
        clearTimeout(waiter.timer);
        waiter.resolve((this.positions.get(name) ?? 0) >= waiter.seq);
      }
    }
  }

  position(name: string): number {
    return this.positions.get(name) ?? 0;
  }

  /** Callers waiting for `name` to move (tests, to know every read is parked). */
  waiting(name: string): number {
    return this.waiters.get(name)?.length ?? 0;
  }

  /** Resolves true once `name` reached `seq` (as far as this process heard), false after `timeoutMs`. */
  waitFor(name: string, seq: number, timeoutMs: number): Promise<boolean> {
    if (this.position(name) >= seq) return Promise.resolve(true);
    return new Promise((resolve) => {
      const list = this.waiters.get(name) ?? [];
      this.waiters.set(name, list);
      const waiter: Waiter = {
        seq,
        resolve,
        timer: setTimeout(() => {
          const index = list.indexOf(waiter);
          if (index >= 0) list.splice(index, 1);
          resolve(this.position(name) >= seq);
        }, timeoutMs),
      };
      list.splice(insertionPoint(list, seq), 0, waiter);
    });
  }

  /** Records a position (from a notification or a catch-up read) and wakes who it satisfies; returns how many. */
  advance(name: string, seq: number): number {
    if (seq <= this.position(name)) return 0;
    this.positions.set(name, seq);
    const list = this.waiters.get(name);
    if (!list || list.length === 0) return 0;
    const woken = list.splice(0, insertionPoint(list, seq));
    for (const waiter of woken) {
      clearTimeout(waiter.timer);
      waiter.resolve(true);
    }
    return woken.length;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped.signal.aborted) {
      try {
        await this.listen();
        failures = 0;
        // Listening: wait until the connection drops or the watcher stops.
        await sleep(2 ** 31 - 1, this.stopped.signal, this.lostConnection.signal);
      } catch (error) {
        failures += 1;
        if (!this.stopped.signal.aborted)
          this.options.log.warn({ err: error, failures }, 'read-model position listener failed; reconnecting');
      }
      this.connected = false;
      await this.client?.end().catch(() => undefined);
      this.client = null;
      if (this.stopped.signal.aborted) break;
      await sleep(Math.min(MAX_BACKOFF_MS, 50 * 2 ** Math.min(failures, 6)), this.stopped.signal);
    }
  }

  private async listen(): Promise<void> {
    this.lostConnection = new AbortController();
    const lost = this.lostConnection;
    const ssl = sslOptions(this.options.tls);
    const client = new pg.Client({
      connectionString: this.options.connectionString,
      application_name: 'apphub-read-model-positions',
      keepAlive: true,
      ...(ssl ? { ssl } : {}),
    });
    this.client = client;
    client.on('error', (error) => {
      this.options.log.warn({ err: error }, 'read-model position listener connection error');
      lost.abort();
    });
    client.on('end', () => lost.abort());
    client.on('notification', (message) => {
      if (message.channel === CHECKPOINT_CHANNEL && message.payload) this.onNotice(message.payload);
    });
    await client.connect();
    await client.query(`listen ${CHECKPOINT_CHANNEL}`);
    // Whatever moved while nobody listened: one read of every checkpoint.
    const { rows } = await client.query<{ name: string; last_seq: string | number }>(SELECT_ALL_CHECKPOINTS);
    this.catchUpReads += 1;
    for (const row of rows) this.advance(row.name, Number(row.last_seq));
    this.connected = true;
  }

  private onNotice(payload: string): void {
    let notice: CheckpointNotice;
    try {
      notice = JSON.parse(payload) as CheckpointNotice;
    } catch (error) {
      this.options.log.warn({ err: error }, 'unreadable checkpoint notification');
      return;
    }
    let woken = 0;
    for (const name of notice.names ?? []) woken += this.advance(name, Number(notice.seq));
    if (woken > 0 && typeof notice.at === 'number')
      this.options.onNotified?.(Math.max(0, Date.now() - notice.at) / 1000);
  }
}

/** The index of the first waiter whose sequence is above `seq` (the list is ascending). */
function insertionPoint(list: readonly Waiter[], seq: number): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (list[middle]!.seq <= seq) low = middle + 1;
    else high = middle;
  }
  return low;
}
