import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics of one app instance (its own registry, so tests can run several apps in one process). */
export class Metrics {
  readonly registry = new Registry();
  readonly eventsAppended = new Counter({
    name: 'apphub_events_appended_total',
    help: 'Events appended to the event log, by type',
    labelNames: ['type'],
    registers: [this.registry],
  });
  readonly projectionLag = new Gauge({
    name: 'apphub_projection_lag_events',
    help: 'Events in the stream not yet applied by each projection/consumer',
    labelNames: ['projection'],
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'apphub_http_request_duration_seconds',
    help: 'HTTP request latency',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly jobsCompleted = new Counter({
    name: 'apphub_step_completions_total',
    help: 'Step completions recorded, by status',
    labelNames: ['status'],
    registers: [this.registry],
  });
  readonly materializerDecisions = new Counter({
    name: 'apphub_materializer_decisions_total',
    help: 'Materializer trigger decisions, by outcome',
    labelNames: ['outcome'],
    registers: [this.registry],
  });

  constructor(collectDefaults = true) {
    if (collectDefaults) collectDefaultMetrics({ register: this.registry });
  }
}
