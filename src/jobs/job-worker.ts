import type { Logger } from 'pino';
import { boundMessage } from '../domain/bounded-lists.js';
import { DomainError, ValidationError } from '../domain/domain-error.js';
import { EventTooLargeError } from '../events/event-size.js';
import type { JobDelivery, JobQueue, JobSubscription } from '../events/job-queue.js';
import { SERVICE_JOB_SLUG, type JobDispatch } from '../runs/job-dispatch.js';
import type { CompletionBody, RunCommandService } from '../runs/run-command.service.js';
import { isTerminal, type RunState } from '../runs/run-state.js';
import type { JobHandlerRegistry, JobOutcome } from './job-handler.js';
import { callService, type ServiceCallOptions } from './service-step.js';

const WORKING_EVERY_MS = 10_000;
const CONCURRENCY_PER_SLUG = 8;

/**
 * The built-in worker: one shared durable per job slug it has a handler for (`<prefix>-job-<jobSlug>`) plus the
 * internal `_service` slug. Before running a dispatch it checks that the attempt is still the current one (a
 * dispatch replayed after an outage, or one of a canceled run, is dropped), signals `working()` while busy,
 * completes the step through the same command as the HTTP endpoint, and acks the dispatch only after the
 * completion was recorded (or is moot). On shutdown it gives running jobs back (nak) instead of failing them.
 */
export class JobWorker {
  private readonly subscriptions = new Map<string, JobSubscription>();
  private readonly abort = new AbortController();
  private started = false;

  constructor(
    private readonly jobs: JobQueue,
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
    await Promise.allSettled([...this.subscriptions.values()].map((subscription) => subscription.stop()));
    this.subscriptions.clear();
  }

  private async subscribe(slug: string): Promise<void> {
    if (!this.started || this.subscriptions.has(slug) || this.abort.signal.aborted) return;
    this.subscriptions.set(
      slug,
      await this.jobs.consume<JobDispatch>(slug, CONCURRENCY_PER_SLUG, (delivery) => this.run(slug, delivery)),
    );
  }

  private async run(slug: string, delivery: JobDelivery<JobDispatch>): Promise<void> {
    const job = delivery.job;
    if (!(await this.isCurrent(job, delivery.deliveries > 1))) {
      delivery.ack();
      return;
    }
    const working = setInterval(() => delivery.working(), WORKING_EVERY_MS);
    try {
      const outcome = await this.execute(slug, job);
      if (this.abort.signal.aborted) {
        // Shutting down (a rolling restart): another worker takes the job over; nothing is recorded.
        delivery.giveBack();
        return;
      }
      await this.complete(job, outcome);
      delivery.ack();
    } catch (error) {
      this.log.warn(
        { err: error, runId: job.runId, stepId: job.stepId },
        'job completion failed; the dispatch will be redelivered',
      );
      if (this.abort.signal.aborted) delivery.giveBack();
      else delivery.nak(2000);
    } finally {
      clearInterval(working);
    }
  }

  /**
   * The dispatch is for the attempt the run is running now. The cached run may lag the dispatch by a moment, so a
   * "no" (and every redelivery) is confirmed on the run's subject before the dispatch is dropped or run.
   */
  private async isCurrent(job: JobDispatch, redelivered: boolean): Promise<boolean> {
    const cached = this.commands.runs.cached(job.runId);
    if (cached && !redelivered && runsAttempt(cached, job)) return true;
    const fresh = await this.commands.runs.load(job.workflowSlug, job.runId);
    const current = fresh !== null && runsAttempt(fresh, job);
    if (!current)
      this.log.info({ runId: job.runId, stepId: job.stepId, attempt: job.attempt }, 'stale dispatch dropped');
    return current;
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

function runsAttempt(run: RunState, job: JobDispatch): boolean {
  const step = run.steps[job.stepId];
  return !isTerminal(run) && !run.cancelRequested && step?.status === 'running' && step.attempt === job.attempt;
}
