import { AckPolicy, DeliverPolicy, JetStreamApiError, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { boundMessage } from '../domain/bounded-lists.js';
import { DomainError, ValidationError } from '../domain/domain-error.js';
import { EventTooLargeError } from '../events/event-size.js';
import type { NatsContext } from '../events/nats-context.js';
import { SERVICE_JOB_SLUG, type JobDispatch } from '../runs/job-dispatch.js';
import type { CompletionBody, RunCommandService } from '../runs/run-command.service.js';
import type { JobHandlerRegistry, JobOutcome } from './job-handler.js';
import { callService, type ServiceCallOptions } from './service-step.js';

const ACK_WAIT_NS = 30_000_000_000;
const WORKING_EVERY_MS = 10_000;
const CONCURRENCY_PER_SLUG = 8;
const CONSUMER_NOT_FOUND = 10014;

/**
 * The built-in worker: one shared durable per job slug it has a handler for (`<prefix>-job-<jobSlug>`) plus the
 * internal `_service` slug. It signals `working()` while busy, completes the step through the same command as
 * the HTTP endpoint, and acks the dispatch only after the completion was recorded (or is moot). A crash before
 * the ack redelivers the dispatch; the completion of an attempt is idempotent.
 */
export class JobWorker {
  private readonly subscriptions = new Map<string, ConsumerMessages>();
  private readonly abort = new AbortController();
  private readonly loops: Promise<void>[] = [];
  private started = false;

  constructor(
    private readonly nats: NatsContext,
    private readonly handlers: JobHandlerRegistry,
    private readonly commands: RunCommandService,
    private readonly log: Logger,
    private readonly serviceCalls: ServiceCallOptions = {},
  ) {}

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.handlers.onRegister((slug) => {
      this.subscribe(slug).catch((error) =>
        this.log.error({ err: error, jobSlug: slug }, 'could not subscribe to job dispatches'),
      );
    });
    for (const slug of [SERVICE_JOB_SLUG, ...this.handlers.slugs()]) await this.subscribe(slug);
  }

  async stop(): Promise<void> {
    this.abort.abort();
    for (const messages of this.subscriptions.values()) messages.stop();
    await Promise.allSettled(this.loops);
    this.subscriptions.clear();
  }

  private async subscribe(slug: string): Promise<void> {
    if (!this.started || this.subscriptions.has(slug) || this.abort.signal.aborted) return;
    await ensureJobConsumer(this.nats, slug);
    const consumer = await this.nats.js.consumers.get(
      this.nats.subjects.streams.jobs,
      this.nats.subjects.jobDurable(slug),
    );
    const messages = await consumer.consume({ max_messages: CONCURRENCY_PER_SLUG, expires: 5000 });
    this.subscriptions.set(slug, messages);
    this.loops.push(this.loop(slug, messages));
  }

  private async loop(slug: string, messages: ConsumerMessages): Promise<void> {
    const busy = new Set<Promise<void>>();
    for await (const message of messages) {
      if (this.abort.signal.aborted) break;
      const work = this.run(slug, message).finally(() => busy.delete(work));
      busy.add(work);
      if (busy.size >= CONCURRENCY_PER_SLUG) await Promise.race(busy);
    }
    await Promise.allSettled(busy);
  }

  private async run(slug: string, message: JsMsg): Promise<void> {
    let job: JobDispatch;
    try {
      job = message.json<JobDispatch>();
    } catch {
      message.term();
      return;
    }
    const working = setInterval(() => message.working(), WORKING_EVERY_MS);
    try {
      const outcome = await this.execute(slug, job);
      await this.complete(job, outcome);
      message.ack();
    } catch (error) {
      this.log.warn(
        { err: error, runId: job.runId, stepId: job.stepId },
        'job completion failed; the dispatch will be redelivered',
      );
      message.nak(2000);
    } finally {
      clearInterval(working);
    }
  }

  private async execute(slug: string, job: JobDispatch): Promise<JobOutcome> {
    if (slug === SERVICE_JOB_SLUG) return callService(job, this.abort.signal, this.serviceCalls);
    const handler = this.handlers.get(slug);
    if (!handler)
      return { status: 'failed', error: { code: 'no_handler', message: `no in-process handler for job "${slug}"` } };
    try {
      return await handler({
        runId: job.runId,
        workflowSlug: job.workflowSlug,
        stepId: job.stepId,
        attempt: job.attempt,
        parameters: job.parameters,
        partitionKey: job.partitionKey,
        signal: this.abort.signal,
        log: this.log.child({ job: slug, runId: job.runId, stepId: job.stepId }),
      });
    } catch (error) {
      return { status: 'failed', error: { code: 'job_error', message: (error as Error).message ?? String(error) } };
    }
  }

  /** Records the outcome; a malformed result fails the step with the reason instead of being dropped. */
  private async complete(job: JobDispatch, outcome: JobOutcome): Promise<void> {
    const body: CompletionBody = {
      status: outcome.status ?? (outcome.error ? 'failed' : 'succeeded'),
      attempt: job.attempt,
      ...(outcome.result === undefined ? {} : { result: outcome.result }),
      ...(outcome.error === undefined ? {} : { error: outcome.error }),
    };
    try {
      await this.commands.completeStep(job.runId, job.stepId, body, 'worker', job.runId);
    } catch (error) {
      // A result the log cannot take (malformed, or too large for one event) fails the step with the reason.
      if (error instanceof ValidationError || error instanceof EventTooLargeError) {
        await this.commands.completeStep(
          job.runId,
          job.stepId,
          { status: 'failed', attempt: job.attempt, error: { code: error.code, message: boundMessage(error.message) } },
          'worker',
          job.runId,
        );
        return;
      }
      // The run moved on (canceled, timed out, retried): nothing left to record for this dispatch.
      if (error instanceof DomainError) return;
      throw error;
    }
  }
}

/** Creates the shared durable of a job slug when missing (external workers may call this too). */
export async function ensureJobConsumer(nats: NatsContext, slug: string): Promise<void> {
  const stream = nats.subjects.streams.jobs;
  const durable = nats.subjects.jobDurable(slug);
  try {
    await nats.jsm.consumers.info(stream, durable);
  } catch (error) {
    if (!(error instanceof JetStreamApiError) || error.code !== CONSUMER_NOT_FOUND) throw error;
    await nats.jsm.consumers.add(stream, {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: nats.subjects.jobDispatch(slug),
      ack_wait: ACK_WAIT_NS,
      max_deliver: -1,
      max_ack_pending: 1000,
    });
  }
}
