import type { Logger } from 'pino';
import type { Metrics } from '../observability/metrics.js';

/** A batch slower than this is logged (with its size) so an operator can see where a lag comes from. */
const SLOW_BATCH_MS = 1000;

/** Times one phase of a consumer's batch into `batchSeconds`, and logs it when slow. */
export async function timedBatch<T>(
  context: { consumer: string; metrics: Metrics | undefined; log: Logger },
  phase: string,
  events: number,
  work: () => Promise<T>,
): Promise<T> {
  const started = performance.now();
  const end = context.metrics?.batchSeconds.startTimer({ consumer: context.consumer, phase });
  try {
    return await work();
  } finally {
    end?.();
    const ms = performance.now() - started;
    if (ms > SLOW_BATCH_MS) context.log.warn({ phase, events, ms: Math.round(ms) }, 'slow batch');
  }
}
