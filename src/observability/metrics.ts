import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics of one app instance (its own registry, so tests can run several apps in one process). */
/** Why admission sheds a request (src/http/admission.ts): its own in-flight bound, under-pressure's loop delay. */
export const SHED_REASONS = ['inflight', 'eventLoopDelay'] as const;
/** How `apphub_consumer_failures_total` sorts a failed batch. */
export const CONSUMER_FAILURE_KINDS = ['transient', 'other'] as const;

export class Metrics {
  readonly registry = new Registry();
  readonly eventsAppended = new Counter({
    name: 'apphub_events_appended_total',
    help: 'Events appended to the event log, by type',
    labelNames: ['type'],
    registers: [this.registry],
  });
  readonly natsPublishRetries = new Counter({
    name: 'apphub_nats_publish_retries_total',
    help: 'JetStream publishes sent again (same Nats-Msg-Id), by reason: timeout, no_responders (the stream has no leader), unavailable (503), disconnected',
    labelNames: ['reason'],
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

  readonly requestsShed = new Counter({
    name: 'apphub_http_requests_shed_total',
    help: 'Requests answered 503 without being worked on, by reason (inflight, queue_time, event_loop_delay, event_loop_utilization, event_streams)',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly admissionWait = new Histogram({
    name: 'apphub_http_admission_wait_seconds',
    help: 'How long admitted requests waited for a handling slot (APPHUB_MAX_CONCURRENT_REQUESTS)',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });
  readonly eventStreamsOpen = new Gauge({
    name: 'apphub_event_streams_open',
    help: 'Open GET /events streams of this process (capped by APPHUB_MAX_EVENT_STREAMS)',
    registers: [this.registry],
  });
  readonly runConflicts = new Counter({
    name: 'apphub_run_append_conflicts_total',
    help: 'Run events the executor decided but another writer had moved the run on (decided again later)',
    registers: [this.registry],
  });
  readonly sqlStatements = new Counter({
    name: 'apphub_sql_statements_total',
    help: 'SQL statements this process executed (transaction control included)',
    registers: [this.registry],
  });
  readonly deadLetters = new Gauge({
    name: 'apphub_dead_letters',
    help: 'Events in the dead letters (projection_dead_letter), by consumer: list and replay them with npm run dead-letters',
    labelNames: ['consumer'],
    registers: [this.registry],
  });
  readonly consumerFailures = new Counter({
    name: 'apphub_consumer_failures_total',
    help: 'Batches a stream consumer had to retry from its checkpoint, by consumer and kind (transient or other)',
    labelNames: ['consumer', 'kind'],
    registers: [this.registry],
  });

  readonly batchSeconds = new Histogram({
    name: 'apphub_consumer_batch_seconds',
    help: 'Time a stream consumer spent on one batch, by consumer and phase (project, process, persist)',
    labelNames: ['consumer', 'phase'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly readPathSeconds = new Histogram({
    name: 'apphub_read_path_seconds',
    help: 'Where a read-model event waits: stream timestamp → delivered to the projector, its batch started, committed (per event); commit → waiting reads woken (per notification that woke any)',
    labelNames: ['stage'],
    buckets: [
      0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.0125, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05, 0.06, 0.075, 0.1, 0.125,
      0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10,
    ],
    registers: [this.registry],
  });
  readonly managerStageSeconds = new Histogram({
    name: 'apphub_manager_stage_seconds',
    help: "Where a process manager's batch spends its time, by manager and stage: waited (stream timestamp → its batch began deciding, per input event), load (the load round), decide (in memory), effects (appends and calls, all settled)",
    labelNames: ['manager', 'stage'],
    buckets: [
      0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5,
    ],
    registers: [this.registry],
  });
  readonly batchEvents = new Histogram({
    name: 'apphub_consumer_batch_events',
    help: 'Events per batch, by consumer',
    labelNames: ['consumer'],
    buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000],
    registers: [this.registry],
  });

  /**
   * Series at 0 for a stream consumer this process runs (failures of both kinds), so alert rules see 0 from the
   * start instead of "no data" until the first failure.
   */
  knowConsumer(consumer: string): void {
    for (const kind of CONSUMER_FAILURE_KINDS) this.consumerFailures.inc({ consumer, kind }, 0);
  }

  /** `apphub_dead_letters` at this scrape: 0 for every consumer this process knows, the count for those with some. */
  setDeadLetters(known: Iterable<string>, counts: ReadonlyMap<string, number>): void {
    this.deadLetters.reset();
    for (const consumer of known) this.deadLetters.set({ consumer }, 0);
    for (const [consumer, count] of counts) this.deadLetters.set({ consumer }, count);
  }

  private natsStats: (() => { outMsgs: number; inMsgs: number }) | undefined;

  constructor(collectDefaults = true) {
    if (collectDefaults) collectDefaultMetrics({ register: this.registry });
    for (const reason of SHED_REASONS) this.requestsShed.inc({ reason }, 0);
    const stats = () => this.natsStats?.();
    new Gauge({
      name: 'apphub_nats_out_messages',
      help: 'Messages this process sent to NATS since it connected (publishes, requests, acks, pulls)',
      registers: [this.registry],
      collect() {
        this.set(stats()?.outMsgs ?? 0);
      },
    });
    new Gauge({
      name: 'apphub_nats_in_messages',
      help: 'Messages this process received from NATS since it connected',
      registers: [this.registry],
      collect() {
        this.set(stats()?.inMsgs ?? 0);
      },
    });
  }

  /** Where the NATS connection counters come from (read at scrape time). */
  watchNats(stats: () => { outMsgs: number; inMsgs: number }): void {
    this.natsStats = stats;
  }
}
