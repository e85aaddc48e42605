import { Inject, Injectable } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import { validatePartitionKey } from '../assets/partitions/index.js';
import { boundProblems } from '../domain/bounded-lists.js';
import { DomainError, ValidationError } from '../domain/domain-error.js';
import type { EventMetadata } from '../events/envelope.js';
import type { EventStore } from '../events/event-store.js';
import type { NatsContext } from '../events/nats-context.js';
import { EVENT_STORE, NATS } from '../runtime/tokens.js';
import { toFieldProblems } from '../http/schema.pipe.js';
import { compileUserSchema } from '../workflows/user-schema.js';
import { WorkflowCommandService } from '../workflows/workflow-command.service.js';
import type { WorkflowDefinition } from '../workflows/workflow-definition.js';
import { mergeLayers } from './deep-merge.js';
import { normalizeRunKey, runKeyReservation } from './run-key.js';
import { isTerminal, toRunView, type RunState, type RunView } from './run-state.js';
import { RunStore } from './run-store.js';
import type { RunError, RunTrigger } from './run.events.js';
import type { CompletionAnswer } from './run.decider.js';

export interface RunRequestInput {
  workflow: WorkflowDefinition;
  runId: string;
  partitionKey: string | null;
  parameters: Record<string, unknown>;
  runKey: string | null;
  triggeredBy: string | null;
  trigger: RunTrigger;
  priority: number | null;
}

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

/** Run commands: request, complete a step, cancel; and the consistent single-run read. */
@Injectable()
export class RunCommandService {
  readonly runs: RunStore;
  private readonly slugs = new Map<string, string>();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(NATS) private readonly nats: NatsContext,
    @Inject(WorkflowCommandService) private readonly workflows: WorkflowCommandService,
  ) {
    this.runs = new RunStore(store);
  }

  /** `POST /workflows/:slug/run`. */
  async requestManualRun(
    slug: string,
    body: ManualRunBody,
    actor: string,
    _requestId: string,
  ): Promise<{ run: RunView; eventSeq: number }> {
    const { workflow } = await this.workflows.require(slug);
    const parameters = mergeLayers(workflow.defaultParameters, body.parameters);
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
      trigger: { type: 'manual' },
      priority: null,
    };
    const metadata = { correlationId: runId, causationId: null, actor };
    const { state, seq } = await this.requestRun(input, metadata);
    return { run: toRunView(state), eventSeq: seq };
  }

  /**
   * Appends `workflow.run.requested` expecting an empty subject, after reserving the run key. Idempotent for a
   * derived run id: a second request of the same id returns the existing run.
   */
  async requestRun(
    input: RunRequestInput,
    metadata: EventMetadata,
  ): Promise<{ state: RunState; seq: number; created: boolean }> {
    const { workflow, runId } = input;
    if (input.runKey) await this.reserveRunKey(workflow.slug, input.runKey, runId);
    await this.nats.runs.put(runId, workflow.slug);
    const now = new Date().toISOString();
    const request = {
      runId,
      workflowSlug: workflow.slug,
      workflowDefinitionId: workflow.id,
      workflowVersion: workflow.version,
      steps: workflow.steps,
      partitionKey: input.partitionKey,
      runKey: input.runKey,
      parameters: input.parameters,
      triggeredBy: input.triggeredBy,
      trigger: input.trigger,
      priority: input.priority,
      requestedAt: now,
    };
    const result = await this.runs.execute(workflow.slug, runId, { type: 'RequestRun', request }, metadata, now);
    return { state: result.state, seq: result.seqs[0] ?? result.state.requestedSeq, created: result.seqs.length > 0 };
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

  /** The run folded from its subject: never behind. */
  async getRun(runId: string): Promise<{ state: RunState }> {
    const slug = await this.requireSlug(runId);
    const state = await this.runs.load(slug, runId);
    if (!state) throw new DomainError('run_not_found', `No workflow run "${runId}".`, { runId });
    return { state };
  }

  async slugOf(runId: string): Promise<string | null> {
    // Run ids are UUIDs; anything else (`:`, `.`, wildcards) must never reach a KV key or a subject.
    if (!/^[A-Za-z0-9_-]{1,100}$/.test(runId)) return null;
    const known = this.slugs.get(runId) ?? this.runs.cachedSlug(runId);
    if (known) return known;
    const entry = await this.nats.runs.get(runId);
    if (!entry || entry.operation !== 'PUT') return null;
    // A run never changes workflow: the mapping can be kept for good (bounded).
    if (this.slugs.size > 100_000) this.slugs.clear();
    this.slugs.set(runId, entry.string());
    return entry.string();
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
    const { validate } = compilation;
    if (!validate(parameters)) {
      const errors = boundProblems(toFieldProblems(validate.errors, '/parameters'));
      throw new ValidationError(
        'invalid_parameters',
        `The run parameters do not match the workflow's parametersSchema: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`,
        errors,
      );
    }
  }

  /** At most one active run per (workflow, run key): KV create wins; a reservation left by a finished run is taken over. */
  private async reserveRunKey(slug: string, runKey: string, runId: string): Promise<void> {
    const key = runKeyReservation(slug, runKey);
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        await this.nats.runs.create(key, runId);
        return;
      } catch {
        const entry = await this.nats.runs.get(key);
        if (!entry || entry.operation !== 'PUT') continue;
        const holder = entry.string();
        if (holder === runId) return;
        const existing = await this.runs.load(slug, holder);
        if (existing && !isTerminal(existing)) {
          throw new DomainError(
            'run_key_conflict',
            `An active run (${holder}) of "${slug}" already uses runKey "${runKey}".`,
            { run: toRunView(existing) },
          );
        }
        try {
          await this.nats.runs.update(key, runId, entry.revision);
          return;
        } catch {
          /* someone else took it: look again */
        }
      }
    }
    throw new DomainError('run_key_conflict', `runKey "${runKey}" is contended; retry.`);
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
