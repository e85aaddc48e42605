import { jest } from '@jest/globals';
import { AdmissionQueue, type AdmissionBounds, type ShedReason } from './admission-queue.js';

const bounds: AdmissionBounds = {
  maxInflightRequests: 1000,
  maxConcurrentRequests: 16,
  handlingTargetMs: 100,
  maxQueueMs: 100,
  queueTargetMs: 20,
  maxEventLoopDelayMs: 0,
  maxEventLoopUtilization: 1,
};

/** Offers one request; records whether it was admitted or shed. */
function offer(queue: AdmissionQueue) {
  const state: { admitted: boolean; shed?: ShedReason; release(): void } = {
    admitted: false,
    release: () => undefined,
  };
  state.release = queue.offer({
    admit: () => (state.admitted = true),
    shed: (reason) => (state.shed = reason),
  }).release;
  return state;
}

describe('AdmissionQueue', () => {
  let queue: AdmissionQueue;
  beforeEach(() => {
    jest.useFakeTimers();
    queue = new AdmissionQueue(bounds);
    queue.start();
  });
  afterEach(() => {
    queue.stop();
    jest.useRealTimers();
  });

  it('handles up to the limit at once, queues the next in order and admits them as slots free', () => {
    const handled = Array.from({ length: 16 }, () => offer(queue));
    expect(handled.every((request) => request.admitted)).toBe(true);
    const [first, second] = [offer(queue), offer(queue)];
    expect(first.admitted || second.admitted).toBe(false);
    handled[0]!.release();
    expect(first.admitted).toBe(true);
    expect(second.admitted).toBe(false);
    expect(queue.inflight).toBe(17);
  });

  it('sheds a request that waited longer than maxQueueMs for a slot', () => {
    for (let i = 0; i < 16; i += 1) offer(queue);
    const waiting = offer(queue);
    jest.advanceTimersByTime(150);
    expect(waiting).toMatchObject({ admitted: false, shed: 'queue_time' });
    expect(queue.inflight).toBe(16);
  });

  it('handles fewer at once while requests take longer than the target, and more again once they are fast', () => {
    const slow = Array.from({ length: 16 }, () => offer(queue));
    jest.advanceTimersByTime(300);
    for (const request of slow) request.release();
    jest.advanceTimersByTime(250);
    expect(queue.concurrencyLimit).toBe(8);
    // Fast requests that fill the limit raise it step by step, never past maxConcurrentRequests.
    for (let step = 0; step < 40; step += 1) {
      const fast = Array.from({ length: queue.concurrencyLimit }, () => offer(queue));
      for (const request of fast) request.release();
      jest.advanceTimersByTime(250);
    }
    expect(queue.concurrencyLimit).toBe(16);
  });

  it('sheds at once past maxInflightRequests, and never counts a shed or gone request', () => {
    const small = new AdmissionQueue({ ...bounds, maxInflightRequests: 3, maxConcurrentRequests: 1 });
    const a = offer(small);
    const b = offer(small);
    const c = offer(small);
    expect(offer(small).shed).toBe('inflight');
    c.release(); // its client went away while waiting
    expect(small.inflight).toBe(2);
    a.release();
    expect(b.admitted).toBe(true);
    b.release();
    expect(small.inflight).toBe(0);
  });
});
