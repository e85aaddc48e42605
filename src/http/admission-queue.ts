import { EventLoopLoad } from './event-loop-load.js';

// The clock is the global `performance.now()`, which tests fake.

/** The bounds of `APPHUB_MAX_*` / `APPHUB_QUEUE_TARGET_MS` (README "Failure behaviour"). */
export interface AdmissionBounds {
  maxInflightRequests: number;
  maxConcurrentRequests: number;
  handlingTargetMs: number;
  maxQueueMs: number;
  queueTargetMs: number;
  maxEventLoopDelayMs: number;
  maxEventLoopUtilization: number;
}

export type ShedReason = 'inflight' | 'queue_time' | 'event_loop_delay' | 'event_loop_utilization';

/** One request offered to the queue: admitted (handled now or after a wait) or shed, exactly once. */
export interface Ticket {
  admit(waitedMs: number): void;
  shed(reason: ShedReason, detail: string): void;
}

interface Waiter {
  ticket: Ticket;
  arrivedAt: number;
  /** Out of the queue: admitted, shed, or its client went away. */
  gone: boolean;
  admitted: boolean;
  admittedAt: number;
}

/** How often the event loop is sampled and waiting requests are checked against their limit. */
export const SAMPLE_MS = 25;

/** The fewest requests handled at once, however slow they are. */
const MIN_LIMIT = 2;
/** How often the handling limit is adapted. */
const ADAPT_MS = 250;

/**
 * Admission by what clients feel (CoDel-like). At most `limit` requests are handled at once; the limit adapts to
 * how long they take: every 250 ms whose median handling time was above `handlingTargetMs` cuts it in proportion
 * (by 10-50 %, down to 2); every 250 ms below the target in which the limit was reached raises it by a tenth (up
 * to `maxConcurrentRequests`). More requests wait here in arrival order, each at most `maxQueueMs`. When every
 * wait of the last interval (10 × `queueTargetMs`) stayed above `queueTargetMs` — a standing queue, the service is
 * slower than the offered load — waits are cut to the target, so the excess is answered 503 in tens of
 * milliseconds instead of queueing until clients time out. A request is shed at once when `maxInflightRequests`
 * are handled or waiting, when the event loop is later than `maxEventLoopDelayMs`, or when it would have to wait
 * while the loop is busier than `maxEventLoopUtilization`.
 */
export class AdmissionQueue {
  private active = 0;
  private limit: number;
  private adaptedAt: number;
  private peakActive = 0;
  private handledMs: number[] = [];
  /** Admitted without a slot (reads waiting for `minSeq`: they wait on the projector, not on this process). */
  private unslotted = 0;
  private readonly waiting: Waiter[] = [];
  private waitingCount = 0;
  private standing = false;
  private intervalStart: number;
  private intervalMinWait = Infinity;
  private readonly intervalMs: number;
  private readonly loop = new EventLoopLoad();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly bounds: AdmissionBounds) {
    this.intervalMs = Math.min(5000, Math.max(100, 10 * bounds.queueTargetMs));
    this.intervalStart = performance.now();
    this.limit = bounds.maxConcurrentRequests;
    this.adaptedAt = this.intervalStart;
  }

  /** Requests handled at once now (adapted between 2 and `maxConcurrentRequests`). */
  get concurrencyLimit(): number {
    return this.limit;
  }

  start(): void {
    this.loop.start();
    this.timer = setInterval(() => this.tick(), SAMPLE_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.loop.stop();
  }

  /** Requests handled now, waiting, and admitted without a slot. */
  get inflight(): number {
    return this.active + this.waitingCount + this.unslotted;
  }

  /** True while a standing queue was seen: waits are cut to the target. */
  get shedding(): boolean {
    return this.standing;
  }

  /**
   * Offers a request. `slot: false` admits it without taking a handling slot (it still counts to the in-flight
   * bound). Returns the release to call once it is answered or gone (a no-op for a shed request).
   */
  offer(ticket: Ticket, slot = true): { release(): void } {
    const { maxInflightRequests, maxEventLoopDelayMs } = this.bounds;
    if (this.inflight >= maxInflightRequests) {
      ticket.shed('inflight', `${this.inflight} requests are in progress (bound ${maxInflightRequests})`);
      return { release: () => undefined };
    }
    if (maxEventLoopDelayMs > 0 && this.loop.delayMs > maxEventLoopDelayMs) {
      ticket.shed(
        'event_loop_delay',
        `event-loop delay ${Math.round(this.loop.delayMs)} ms is above ${maxEventLoopDelayMs} ms`,
      );
      return { release: () => undefined };
    }
    if (!slot) {
      this.unslotted += 1;
      ticket.admit(0);
      return { release: once(() => (this.unslotted -= 1)) };
    }
    if (this.active < this.limit && this.waitingCount === 0) {
      const admittedAt = performance.now();
      this.takeSlot(0);
      ticket.admit(0);
      return { release: once(() => this.releaseSlot(admittedAt)) };
    }
    const busy =
      this.bounds.maxEventLoopUtilization < 1 && this.loop.utilization >= this.bounds.maxEventLoopUtilization;
    if (busy || this.limitMs() === 0) {
      const detail = `${this.active} requests are being handled and the event loop is ${Math.round(this.loop.utilization * 100)} % busy`;
      ticket.shed(this.limitMs() === 0 ? 'queue_time' : 'event_loop_utilization', detail);
      return { release: () => undefined };
    }
    const waiter: Waiter = { ticket, arrivedAt: performance.now(), gone: false, admitted: false, admittedAt: 0 };
    this.waiting.push(waiter);
    this.waitingCount += 1;
    return {
      release: once(() => {
        if (waiter.admitted) return this.releaseSlot(waiter.admittedAt);
        if (!waiter.gone) {
          waiter.gone = true;
          this.waitingCount -= 1;
        }
      }),
    };
  }

  /** The longest a request may wait now: the target while a standing queue is seen, else the maximum. */
  private limitMs(): number {
    return this.standing ? Math.min(this.bounds.queueTargetMs, this.bounds.maxQueueMs) : this.bounds.maxQueueMs;
  }

  private takeSlot(waited: number): void {
    this.active += 1;
    this.peakActive = Math.max(this.peakActive, this.active);
    this.intervalMinWait = Math.min(this.intervalMinWait, waited);
  }

  private releaseSlot(admittedAt: number): void {
    const now = performance.now();
    this.active -= 1;
    this.handledMs.push(now - admittedAt);
    this.drain(now);
  }

  /** Sheds waiters past the limit (oldest first) and admits the next ones while slots are free. */
  private drain(now: number): void {
    while (this.waiting.length > 0) {
      const head = this.waiting[0]!;
      if (head.gone) {
        this.waiting.shift();
        continue;
      }
      const waited = now - head.arrivedAt;
      if (waited > this.limitMs()) {
        this.take();
        head.ticket.shed('queue_time', `it waited ${Math.round(waited)} ms for one of ${this.limit} handling slots`);
        continue;
      }
      if (this.active >= this.limit) return;
      this.take();
      head.admitted = true;
      head.admittedAt = now;
      this.takeSlot(waited);
      head.ticket.admit(waited);
    }
  }

  private take(): void {
    const head = this.waiting.shift()!;
    head.gone = true;
    this.waitingCount -= 1;
  }

  /** Handling time is what a client feels beyond the queue: fewer at once when slow, more when fast and full. */
  private adaptLimit(): void {
    const samples = this.handledMs.sort((a, b) => a - b);
    const ceiling = this.bounds.maxConcurrentRequests;
    if (samples.length > 0) {
      const median = samples[Math.floor(samples.length / 2)]!;
      if (median > this.bounds.handlingTargetMs) {
        // In proportion to how far off the target it is, at most halved per step.
        const factor = Math.max(0.5, Math.min(0.9, this.bounds.handlingTargetMs / median));
        this.limit = Math.max(Math.min(MIN_LIMIT, ceiling), Math.floor(this.limit * factor));
      } else if (this.peakActive >= this.limit) {
        this.limit = Math.min(ceiling, this.limit + Math.max(1, Math.round(this.limit * 0.1)));
      }
    }
    this.handledMs = [];
    this.peakActive = this.active;
  }

  private tick(): void {
    const now = performance.now();
    this.loop.sample();
    if (now - this.intervalStart >= this.intervalMs) {
      const head = this.waiting.find((waiter) => !waiter.gone);
      const minWait = Math.min(this.intervalMinWait, head ? now - head.arrivedAt : Infinity);
      // No request admitted and none waiting: there is no queue at all.
      this.standing = Number.isFinite(minWait) && minWait > this.bounds.queueTargetMs;
      this.intervalStart = now;
      this.intervalMinWait = Infinity;
    }
    if (now - this.adaptedAt >= ADAPT_MS) {
      this.adaptLimit();
      this.adaptedAt = now;
    }
    this.drain(now);
  }
}

function once(action: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    action();
  };
}
