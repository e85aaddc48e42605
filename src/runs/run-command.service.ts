import { Inject, Injectable } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import type { Database } from '../../projections/database.js';
import { findRun, findRuns } from '../../projections/run-history/run-history.queries.js';
import { CoalescedReads } from '../db/coalesced-reads.js';
import { DomainError, ValidationError } from '../domain/domain-error.js';
import type { EventStore } from '../events/event-store.js';
import { isRunId, RunIndex } from '../events/run-index.js';
import { isTransientError } from '../events/transient-error.js';
import { validatePartitionKey } from '../partitions/index.js';
import { DB, EVENT_STORE, RUN_INDEX } from '../runtime/tokens.js';
import { compileUserSchema } from '../workflows/user-schema.js';
import { WorkflowCommandService } from '../workflows/workflow-command.service.js';
import type { WorkflowDefinition } from '../workflows/workflow-definition.js';
import { normalizeRunKey } from './run-key.js';
import { parameterProblems, requestedRunParameters } from './run-parameters.js';
import { RunRequester, type RunRequestInput } from './run-requester.js';
import { toRunView, type RunState, type RunView } from './run-state.js';
import { RunStore } from './run-store.js';
import type { RunError, RunTrigger } from './run.events.js';
import type { CompletionAnswer } from './run.decider.js';

export type { RunRequestInput } from './run-requester.js';

export interface ManualRunBody {
  parameters?: Record<string, unknown>;
  partitionKey?: string;
  runKey?: string;
  triggeredBy?: string;
}

export interface CompletionBody {
  status: 'succeeded' | 'failed';
  attempt?: number;
  result?: unknown;
  error?: string | { message: string; code?: string };
}

/**
 * Run reads from the read model asked for together share one statement (up to 200 ids, 4 statements at a time): a
 * status poll from many clients costs a round trip per batch, not per request.
 */
const RUN_READ_BATCHES = { maxBatch: 200, maxInFlight: 4 };

/** Run commands: request, complete a step, cancel; and the single-run read (cache, read model, stream). */
@Injectable()
export class RunCommandService {
  readonly runs: RunStore;
  private readonly runReads: CoalescedReads<string, RunState | null>;
  readonly requester: RunRequester;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(RUN_INDEX) readonly index: RunIndex,
    @Inject(DB) private readonly db: Kysely<Database>,
    @Inject(WorkflowCommandService) private readonly workflows: WorkflowCommandService,
  ) {
    this.runs = new RunStore(store);
    this.requester = new RunRequester(store, this.index, this.runs);
    this.runReads = new CoalescedReads((ids) => findRuns(this.db, ids), RUN_READ_BATCHES);
  }

  /** `POST /workflows/:slug/run`, and `POST /workflow-runs/:runId/rerun` with its `rerun` trigger. */
  async requestManualRun(
    slug: string,
    body: ManualRunBody,
    actor: string,
    _requestId: string,
    trigger: RunTrigger = { type: 'manual' },
  ): Promise<{ run: RunView; eventSeq: number }> {
    const { workflow } = await this.workflows.require(slug);
    const parameters = requestedRunParameters(workflow, body.parameters);
    this.checkParameters(workflow, parameters);
    const partitionKey = resolveRunPartitionKey(workflow, body.partitionKey ?? null);
    const runKey = normalizeRunKey(body.runKey);
    const runId = uuidv7();
    const input: RunRequestInput = {
      workflow,
      runId,
      partitionKey,
      parameters,
      runKey,
      triggeredBy: body.triggeredBy ?? null,
      trigger,
      priority: null,
    };
    const metadata = { correlationId: runId, causationId: null, actor };
    const { state, seq } = await this.requester.request(input, metadata, new Date().toISOString());
    return { run: toRunView(state), eventSeq: seq };
  }

  /** `POST /workflow-runs/:runId/steps/:stepId/complete` and the NATS `<prefix>_job.complete` request. */
  async completeStep(
    runId: string,
    stepId: string,
    body: CompletionBody,
    actor: string,
    _requestId: string,
  ): Promise<{ answer: CompletionAnswer; eventSeq: number; run: RunState }> {
    const slug = await this.requireSlug(runId);
    const now = new Date().toISOString();
    const error: RunError | undefined =
      body.error === undefined
        ? undefined
        : typeof body.error === 'string'
          ? { message: body.error, code: 'step_failed' }
          : { message: body.error.message, code: body.error.code ?? 'step_failed' };
    const result = await this.runs.execute(
      slug,
      runId,
      {
        type: 'CompleteStep',
        stepId,
        status: body.status,
        now,
        ...(body.attempt === undefined ? {} : { attempt: body.attempt }),
        ...(body.result === undefined ? {} : { result: body.result }),
        ...(error ? { error } : {}),
      },
      { correlationId: runId, causationId: null, actor },
      now,
    );
    const answer = result.decision.answer!;
    return { answer, eventSeq: answer.seq ?? result.seqs[0]!, run: result.state };
  }

  async cancel(runId: string, actor: string, reason: string | null): Promise<{ run: RunView; eventSeq: number }> {
    const slug = await this.requireSlug(runId);
    const now = new Date().toISOString();
    const result = await this.runs.execute(
      slug,
      runId,
      { type: 'CancelRun', reason, now },
      { correlationId: runId, causationId: null, actor },
      now,
    );
    return { run: toRunView(result.state), eventSeq: result.seqs[result.seqs.length - 1]! };
  }

  /**
   * One run for `GET /workflow-runs/:runId`: the newer of this process's cache and the run-history read model, and
   * only for a run that reached neither yet (or not `minSeq`) from its subject. With `minSeq` an answer older than that sequence is never given.
   */
  async getRun(runId: string, minSeq = 0): Promise<{ state: RunState }> {
    // The cache is only kept fresh where the run executor follows the run events (its lease holder); elsewhere it
    // holds what this process last wrote (a run it requested still `queued`). The read model moves on everywhere:
    // the newer of the two answers.
    const newest = newerRun(this.runs.cached(runId), await this.runReads.read(runId));
    if (newest && newest.lastSeq >= minSeq) return { state: newest };
    const slug = newest?.request.workflowSlug ?? (await this.index.slugOf(runId));
    if (!slug) throw new DomainError('run_not_found', `No workflow run "${runId}".`, { runId });
    const state = await this.runs.load(slug, runId);
    if (!state) throw new DomainError('run_not_found', `No workflow run "${runId}".`, { runId });
    return { state };
  }

  /**
   * The workflow of a run: from this process's cache or the run index, else (an index entry that was never written
   * or was lost, a restarted process) from the run-history read model or the run's first event on the stream — a
   * run `GET /workflow-runs/:id` shows is one its completion and cancel find. A found mapping repairs the index.
   */
  async slugOf(runId: string): Promise<string | null> {
    const known = this.runs.cached(runId)?.request.workflowSlug ?? (await this.index.slugOf(runId));
    if (known || !isRunId(runId)) return known;
    const slug = (await this.slugFromReadModel(runId)) ?? (await this.slugFromStream(runId));
    // Repairing the index is a bonus: the lookup answers even when the bucket does not take the entry.
    if (slug) await this.index.register(runId, slug).catch(() => this.index.remember(runId, slug));
    return slug;
  }

  private async slugFromReadModel(runId: string): Promise<string | null> {
    try {
      return (await findRun(this.db, runId))?.request.workflowSlug ?? null;
    } catch (error) {
      // The stream still answers while Postgres is away.
      if (isTransientError(error)) return null;
      throw error;
    }
  }

  private async slugFromStream(runId: string): Promise<string | null> {
    const first = await this.store.readFirst(this.store.subjects.runOfAnyWorkflow(runId));
    return first?.type === 'workflow.run.requested' ? (first.data as { workflowSlug: string }).workflowSlug : null;
  }

  private async requireSlug(runId: string): Promise<string> {
    const slug = await this.slugOf(runId);
    if (!slug) throw new DomainError('run_not_found', `No workflow run "${runId}".`, { runId });
    return slug;
  }

  private checkParameters(workflow: WorkflowDefinition, parameters: Record<string, unknown>): void {
    if (!workflow.parametersSchema) return;
    const compilation = compileUserSchema(workflow.parametersSchema);
    // Registration refuses a schema that does not compile; one stored before that rule still gets a clear 400.
    if (!compilation.ok) {
      throw new DomainError(
        'workflow_schema_invalid',
        `The workflow's parametersSchema does not compile (${compilation.message}); fix it with PUT /workflows/${workflow.slug}.`,
      );
    }
    const errors = parameterProblems(compilation.validate, parameters);
    if (errors.length > 0) {
      throw new ValidationError(
        'invalid_parameters',
        `The run parameters do not match the workflow's parametersSchema: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`,
        errors,
      );
    }
  }
}

/** The run's partition key: required and valid for every partitioned asset the workflow produces. */
export function resolveRunPartitionKey(workflow: WorkflowDefinition, raw: string | null): string | null {
  const partitioned = workflow.steps.flatMap((step) => step.produces).filter((declaration) => declaration.partitioning);
  if (partitioned.length === 0) return raw === null ? null : raw.trim() || null;
  for (const declaration of partitioned) {
    const check = validatePartitionKey(declaration.partitioning, raw);
    if (!check.ok) {
      throw new ValidationError(
        check.code,
        `asset "${declaration.assetId}": ${check.reason}`,
        [{ path: '/partitionKey', message: check.reason }],
        { assetId: declaration.assetId },
      );
    }
  }
  return raw!.trim();
}

/** The run state folded further (higher last sequence) of a cached one and a stored one. */
export function newerRun(cached: RunState | undefined, stored: RunState | null): RunState | null {
  if (!cached) return stored;
  if (!stored) return cached;
  return stored.lastSeq > cached.lastSeq ? stored : cached;
}
