import type { Kysely, Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../../projections/database.js';
import type { AssetProduced } from '../assets/asset.events.js';
import type { AppConfig } from '../config/app-config.js';
import type { BatchHandler } from '../events/consumer-runner.js';
import { derivedEventId, type EventMetadata, type StoredEvent } from '../events/envelope.js';
import type { NatsContext } from '../events/nats-context.js';
import type { ConsumerRegistry } from '../projector/consumer-registry.js';
import type { WorkflowCommandService } from '../workflows/workflow-command.service.js';
import { TimerService } from '../timers/timer-service.js';
import { findMissingDependency } from './dependency-check.js';
import { dispatchJob } from './job-dispatch.js';
import { admitRuns, admittedRuns, enqueueAutoRun, releaseRuns } from './run-admission.js';
import { DependencyWaits } from './dependency-waits.js';
import type { RunCommandService } from './run-command.service.js';
import { runKeyReservation } from './run-key.js';
import { readySteps, type MissingAsset } from './run.decider.js';
import { isTerminal, type RunState } from './run-state.js';
import {
  TERMINAL_RUN_EVENTS,
  type RunEventType,
  type RunRequested,
  type RunWaiting,
  type StepDispatched,
  type StepRetryScheduled,
} from './run.events.js';

export interface RunExecutorDeps {
  commands: RunCommandService;
  workflows: WorkflowCommandService;
  db: Kysely<Database>;
  timers: TimerService;
  nats: NatsContext;
  consumers: ConsumerRegistry;
  config: AppConfig;
  log: Logger;
}

/** Payloads of the run timers. */
export interface StepTimerPayload {
  slug: string;
  runId: string;
  stepId: string;
  attempt: number;
}
export interface DependencyTimerPayload {
  slug: string;
  runId: string;
  stepId: string;
  assetId: string;
}

const AUTO_TRIGGERS = new Set(['auto-materialize']);

/**
 * The run process manager. Reads the event log in order from its checkpoint and moves runs along: starts them
 * (gating automatic runs per workflow), dispatches ready steps (publishing jobs), arms step timeouts and retries,
 * waits for missing upstream assets (requesting their producer), resumes waiting runs when the asset arrives, and
 * finishes runs. Every append it makes has a derived id and an expected sequence, so a replayed batch is a no-op.
 */
export class RunExecutor implements BatchHandler {
  readonly name = 'run_executor';

  constructor(private readonly deps: RunExecutorDeps) {}

  async handle(events: readonly StoredEvent[], tx: Transaction<Database>): Promise<void> {
    const runs = this.deps.commands.runs;
    const toAdvance = new Map<string, { slug: string; seq: number }>();
    const admitFor = new Set<string>();
    const effects: Array<Promise<unknown>> = [];
    const produced = events
      .filter((event) => event.type === 'asset.produced')
      .map((event) => (event.data as AssetProduced).assetId);
    const waits = await DependencyWaits.forAssets(tx, [...new Set(produced)]);
    const resumed = new Set<string>();
    const terminal: Array<{ slug: string; runId: string }> = [];
    for (const event of events) {
      runs.observe(event);
      if (event.type === 'asset.produced') {
        await this.resumeWaiting(waits, event as StoredEvent<string, AssetProduced>, resumed);
        continue;
      }
      if (!event.type.startsWith('workflow.run.') && !event.type.startsWith('workflow.step.')) continue;
      const [slug, runId] = event.subject.split('.').slice(-2) as [string, string];
      const type = event.type as RunEventType;
      if (type === 'workflow.run.requested') {
        const request = event.data as RunRequested;
        if (AUTO_TRIGGERS.has(request.trigger.type)) {
          await enqueueAutoRun(tx, runId, slug, request.priority, event.seq);
          admitFor.add(slug);
        }
      } else if (type === 'workflow.step.dispatched') {
        effects.push(this.onDispatched(slug, runId, event as StoredEvent<string, StepDispatched>));
      } else if (type === 'workflow.step.retry-scheduled') {
        const data = event.data as StepRetryScheduled;
        effects.push(
          this.deps.timers.arm<StepTimerPayload>(
            'step-retry',
            TimerService.key(runId, data.stepId, data.attempt),
            data.retryAt,
            { slug, runId, stepId: data.stepId, attempt: data.attempt },
          ),
        );
      } else if (type === 'workflow.run.waiting') {
        await this.onWaiting(tx, waits, slug, runId, event as StoredEvent<string, RunWaiting>);
      } else if (type === 'workflow.run.resumed') {
        waits.remove(runId);
        await DependencyWaits.deleteFor(tx, [runId]);
      } else if (TERMINAL_RUN_EVENTS.includes(type)) {
        waits.remove(runId);
        terminal.push({ slug, runId });
        toAdvance.delete(runId);
        continue;
      }
      toAdvance.set(runId, { slug, seq: event.seq });
    }
    for (const runId of resumed) toAdvance.delete(runId);
    await this.onTerminal(tx, terminal, admitFor);
    await Promise.all(effects);
    for (const slug of admitFor) {
      for (const runId of await admitRuns(tx, slug, this.deps.config.materializer.maxConcurrentRunsPerWorkflow)) {
        toAdvance.set(runId, { slug, seq: events[events.length - 1]!.seq });
      }
    }
    const lastSeq = events[events.length - 1]!.seq;
    const admitted = await admittedRuns(tx, [...toAdvance.keys()]);
    await mapLimit([...toAdvance.entries()], 16, ([runId, { slug }]) =>
      this.advance(slug, runId, lastSeq, admitted.has(runId)),
    );
  }

  /** Decides the next step of one run on its freshest state. */
  private async advance(slug: string, runId: string, batchSeq: number, admitted: boolean): Promise<void> {
    const runs = this.deps.commands.runs;
    const state = await runs.current(slug, runId);
    if (!state || isTerminal(state) || state.status === 'waiting') return;
    const canStart = state.status !== 'pending' || admitted;
    const missing = canStart ? await this.missingFor(state, batchSeq) : null;
    const now = new Date().toISOString();
    await runs.execute(slug, runId, { type: 'AdvanceRun', now, canStart, missing }, this.metadata(runId, null), now, {
      verifyNoop: false,
    });
  }

  private async missingFor(state: RunState, batchSeq: number): Promise<MissingAsset | null> {
    const ready = readySteps(state).filter(
      (step) => (state.request.steps.find((s) => s.id === step.stepId)?.consumes.length ?? 0) > 0,
    );
    if (ready.length === 0) return null;
    // Read models must have seen at least this batch (the request, or the production that resumed the run).
    await this.deps.consumers.waitFor('workflow_definitions', batchSeq, 30_000);
    await this.deps.consumers.waitFor('asset_partitions', batchSeq, 30_000);
    const missing = await findMissingDependency(
      this.deps.db,
      state,
      ready.map((step) => step.stepId),
    );
    if (!missing) return null;
    const producerRunId = missing.producerWorkflowSlug
      ? derivedEventId(state.request.runId, 'dependency-run', missing.stepId, missing.assetId, state.lastSeq)
      : null;
    const waitUntil = new Date(Date.now() + this.deps.config.dependencyWaitMs).toISOString();
    return { ...missing, producerRunId, waitUntil };
  }

  private async onDispatched(slug: string, runId: string, event: StoredEvent<string, StepDispatched>): Promise<void> {
    const data = event.data;
    await dispatchJob(this.deps.nats, {
      runId,
      workflowSlug: slug,
      stepId: data.stepId,
      attempt: data.attempt,
      jobSlug: data.jobSlug,
      serviceUrl: data.serviceUrl,
      parameters: data.parameters,
      partitionKey: data.partitionKey,
      timeoutMs: data.timeoutMs,
    });
    if (data.timeoutMs !== null) {
      const due = Date.parse(data.dispatchedAt) + data.timeoutMs;
      await this.deps.timers.arm<StepTimerPayload>(
        'step-timeout',
        TimerService.key(runId, data.stepId, data.attempt),
        new Date(due),
        { slug, runId, stepId: data.stepId, attempt: data.attempt },
      );
    }
  }

  private async onWaiting(
    tx: Transaction<Database>,
    waits: DependencyWaits,
    slug: string,
    runId: string,
    event: StoredEvent<string, RunWaiting>,
  ): Promise<void> {
    const data = event.data;
    await waits.add(
      tx,
      {
        run_id: runId,
        workflow_slug: slug,
        step_id: data.stepId,
        asset_id: data.assetId,
        partition_key: data.partitionKey,
      },
      data.waitUntil,
    );
    await this.deps.timers.arm<DependencyTimerPayload>(
      'dependency-wait',
      TimerService.key(runId, data.stepId, data.assetId),
      data.waitUntil,
      { slug, runId, stepId: data.stepId, assetId: data.assetId },
    );
    if (data.producerWorkflowSlug && data.producerRunId) await this.requestProducer(slug, runId, data, event.id);
  }

  /** Requests a run of the missing asset's producer; its id is derived, so a replay finds the same run. */
  private async requestProducer(slug: string, runId: string, data: RunWaiting, causationId: string): Promise<void> {
    const found = await this.deps.workflows.load(data.producerWorkflowSlug!);
    if (!found) return;
    const { workflow } = found;
    const partitioned = workflow.steps.some((step) => step.produces.some((declaration) => declaration.partitioning));
    try {
      await this.deps.commands.requestRun(
        {
          workflow,
          runId: data.producerRunId!,
          partitionKey: partitioned ? data.partitionKey : null,
          parameters: {
            ...(workflow.defaultParameters ?? {}),
            ...(partitioned && data.partitionKey ? { partitionKey: data.partitionKey } : {}),
          },
          runKey: null,
          triggeredBy: 'asset-materializer',
          trigger: {
            type: 'dependency',
            assetId: data.assetId,
            ...(data.partitionKey ? { partitionKey: data.partitionKey } : {}),
            waitingRun: { workflowSlug: slug, runId, stepId: data.stepId },
          },
          priority: null,
        },
        { correlationId: runId, causationId, actor: 'system' },
      );
    } catch (error) {
      this.deps.log.warn(
        { err: error, runId, producer: data.producerWorkflowSlug },
        'could not request the producer of a missing asset; waiting until the bound',
      );
    }
  }

  private async resumeWaiting(
    waits: DependencyWaits,
    event: StoredEvent<string, AssetProduced>,
    resumed: Set<string>,
  ): Promise<void> {
    const { assetId, partitionKey } = event.data;
    for (const wait of waits.matching(assetId, partitionKey)) {
      const now = new Date().toISOString();
      await this.deps.commands.runs.execute(
        wait.workflow_slug,
        wait.run_id,
        { type: 'ResumeRun', stepId: wait.step_id, assetId, now },
        this.metadata(wait.run_id, event.id),
        now,
        { verifyNoop: false },
      );
      waits.remove(wait.run_id);
      resumed.add(wait.run_id);
    }
  }

  /** Finished runs: their waits and start slots go (one query each per batch), their run keys are freed. */
  private async onTerminal(
    tx: Transaction<Database>,
    terminal: Array<{ slug: string; runId: string }>,
    admitFor: Set<string>,
  ): Promise<void> {
    if (terminal.length === 0) return;
    const runIds = terminal.map((run) => run.runId);
    await DependencyWaits.deleteFor(tx, runIds);
    for (const slug of await releaseRuns(tx, runIds)) admitFor.add(slug);
    for (const { slug, runId } of terminal) {
      const runKey = (await this.deps.commands.runs.current(slug, runId))?.request.runKey;
      if (!runKey) continue;
      const key = runKeyReservation(slug, runKey);
      const entry = await this.deps.nats.runs.get(key);
      if (entry && entry.operation === 'PUT' && entry.string() === runId)
        await this.deps.nats.runs.delete(key, { previousSeq: entry.revision }).catch(() => undefined);
    }
  }

  private metadata(runId: string, causationId: string | null): EventMetadata {
    return { correlationId: runId, causationId, actor: 'system' };
  }
}

async function mapLimit<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let index = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (index < items.length) await work(items[index++]!);
  });
  await Promise.all(workers);
}
