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

  readonly lineageEventsEmitted = new Counter({
    name: 'apphub_lineage_events_emitted_total',
    help: 'OpenLineage RunEvents delivered (committed with the checkpoint), by transport and event type',
    labelNames: ['transport', 'event_type'],
    registers: [this.registry],
  });
  readonly lineageDeliveryFailures = new Counter({
    name: 'apphub_lineage_delivery_failures_total',
    help: 'OpenLineage deliveries that failed: unavailable (batch retried) or rejected (event dead-lettered)',
    labelNames: ['transport', 'reason'],
    registers: [this.registry],
  });
  readonly lineageStalled = new Gauge({
    name: 'apphub_lineage_stalled',
    help: '1 while the OpenLineage emitter cannot deliver (it retries the same batch); lag: apphub_projection_lag_events{projection="lineage"}',
    registers: [this.registry],
  });

  constructor(collectDefaults = true) {
    if (collectDefaults) collectDefaultMetrics({ register: this.registry });
  }
}
