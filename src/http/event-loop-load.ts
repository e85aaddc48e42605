import { monitorEventLoopDelay, performance, type EventLoopUtilization } from 'node:perf_hooks';

/**
 * How late and how busy this process's event loop is, read by `sample()` (admission calls it every 25 ms): the worst
 * delay since the last sample (what a request's bytes waited before the loop could read them) and the utilisation,
 * smoothed over about 100 ms.
 */
export class EventLoopLoad {
  private readonly histogram = monitorEventLoopDelay({ resolution: 10 });
  private last: EventLoopUtilization = performance.eventLoopUtilization();
  /** Worst event-loop delay of the last sample, in ms. */
  delayMs = 0;
  /** Event-loop utilisation (0-1). */
  utilization = 0;

  start(): void {
    this.histogram.enable();
  }

  stop(): void {
    this.histogram.disable();
  }

  sample(): void {
    this.delayMs = this.histogram.max / 1e6;
    this.histogram.reset();
    const elu = performance.eventLoopUtilization(this.last);
    this.last = performance.eventLoopUtilization();
    this.utilization = 0.75 * this.utilization + 0.25 * elu.utilization;
  }
}
