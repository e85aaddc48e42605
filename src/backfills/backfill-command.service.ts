import { Inject, Injectable } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import { DomainError, ValidationError } from '../domain/domain-error.js';
import { derivedEventId, toEnvelope, type StoredEvent } from '../events/envelope.js';
import { ConcurrencyConflictError, type EventStore } from '../events/event-store.js';
import { assertRunRequestFits, definitionLayers } from '../runs/run-request-size.js';
import { parameterProblems, requestedRunParameters } from '../runs/run-parameters.js';
import { EVENT_STORE } from '../runtime/tokens.js';
import { compileUserSchema } from '../workflows/user-schema.js';
import { WorkflowCommandService } from '../workflows/workflow-command.service.js';
import type { WorkflowDefinition } from '../workflows/workflow-definition.js';
import { resolveSelection, type PartitionSelection } from './backfill-selection.js';
import {
  DEFAULT_CONCURRENT_BACKFILL_RUNS,
  type BackfillCanceled,
  type BackfillCompleted,
  type BackfillRequested,
} from './backfill.events.js';

export interface BackfillRequestBody {
  partitions: PartitionSelection;
  parameters?: Record<string, unknown>;
  maxConcurrentRuns?: number;
}

/** What a cancel found: the backfill's request, and the sequence of its cancel (this one or an earlier one). */
export interface CancelResult {
  request: BackfillRequested;
  eventSeq: number;
}

const BACKFILL_ID = /^[A-Za-z0-9_:-]{1,100}$/;
/** A cancel racing the manager's releases re-reads the subject and tries again this often at most. */
const CANCEL_ATTEMPTS = 100;

/**
 * Backfill commands (DESIGN §12). A request is checked whole (workflow, partitions, parameters) before anything is
 * appended, then recorded as `backfill.requested` on a new subject (expected empty), so a 2xx means recorded; a
 * cancel appends `backfill.canceled` expecting the subject's last sequence, never after the backfill completed.
 * Neither depends on a read model.
 */
@Injectable()
export class BackfillCommandService {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(WorkflowCommandService) private readonly workflows: WorkflowCommandService,
  ) {}

  async request(
    slug: string,
    body: BackfillRequestBody,
    actor: string,
  ): Promise<{ request: BackfillRequested; eventSeq: number }> {
    const { workflow } = await this.workflows.require(slug);
    const selection = resolveSelection(workflow, body.partitions);
    checkParameters(workflow, requestedRunParameters(workflow, body.parameters));
    const backfillLayer = { layer: 'backfill parameters', path: '/parameters', value: body.parameters };
    const layers = [...definitionLayers(workflow, selection.assetId), backfillLayer];
    assertRunRequestFits(workflow, layers, this.store.maxEventBytes);
    const backfillId = uuidv7();
    const now = new Date().toISOString();
    const request: BackfillRequested = {
      backfillId,
      workflowSlug: slug,
      ...selection,
      parameters: body.parameters ?? null,
      maxConcurrentRuns: body.maxConcurrentRuns ?? DEFAULT_CONCURRENT_BACKFILL_RUNS,
      requestedBy: actor,
      requestedAt: now,
    };
    const envelope = toEnvelope(
      { id: derivedEventId(backfillId, 'backfill.requested'), type: 'backfill.requested', data: request },
      { correlationId: backfillId, causationId: null, actor },
      now,
    );
    const { seqs } = await this.store.append(this.subject(slug, backfillId), [envelope], { expectedLastSeq: 0 });
    return { request, eventSeq: seqs[0]! };
  }

  /**
   * Stops releasing partitions. Idempotent: a backfill canceled before answers with that cancel. A backfill that
   * completed is `backfill_not_active` (409).
   */
  async cancel(slug: string, backfillId: string, actor: string, reason: string | null): Promise<CancelResult> {
    await this.workflows.require(slug);
    const subject = this.subject(slug, backfillId);
    const request = await this.store.readFirst(subject);
    if (!request || request.type !== 'backfill.requested') throw notFound(slug, backfillId);
    const requested = request.data as BackfillRequested;
    const id = derivedEventId(backfillId, 'backfill.canceled');
    // Beyond the duplicate window only a scan finds an earlier cancel followed by late releases.
    const earlier = await this.earlierCancel(subject, id, request);
    if (earlier) return { request: requested, eventSeq: earlier.seq };
    for (let attempt = 0; attempt < CANCEL_ATTEMPTS; attempt++) {
      const last = (await this.store.readLast(subject))!;
      if (last.type === 'backfill.canceled') return { request: requested, eventSeq: last.seq };
      if (last.type === 'backfill.completed') {
        const completed = last.data as BackfillCompleted;
        if (completed.status === 'canceled') return { request: requested, eventSeq: last.seq };
        throw new DomainError(
          'backfill_not_active',
          `Backfill "${backfillId}" already completed (${completed.status}).`,
          {
            backfillId,
            status: completed.status,
          },
        );
      }
      const now = new Date().toISOString();
      const data: BackfillCanceled = { backfillId, workflowSlug: slug, canceledBy: actor, reason, canceledAt: now };
      const envelope = toEnvelope(
        { id, type: 'backfill.canceled', data },
        { correlationId: backfillId, causationId: null, actor },
        now,
      );
      try {
        const { seqs } = await this.store.append(subject, [envelope], { expectedLastSeq: last.seq });
        return { request: requested, eventSeq: seqs[0]! };
      } catch (error) {
        if (!(error instanceof ConcurrencyConflictError)) throw error;
      }
    }
    throw new DomainError('backfill_busy', `Backfill "${backfillId}" kept changing; retry the cancel.`, { backfillId });
  }

  /** `<prefix>.backfill.<slug>.<id>`; an id that cannot be a subject token names no backfill (404). */
  private subject(slug: string, backfillId: string): string {
    if (!BACKFILL_ID.test(backfillId)) throw notFound(slug, backfillId);
    return this.store.subjects.backfill(slug, backfillId);
  }

  private async earlierCancel(subject: string, id: string, request: StoredEvent): Promise<StoredEvent | null> {
    if (Date.now() - (request.storedAt ?? Date.now()) < 90_000) return null;
    const ids = await this.store.idsOnSubjectSince(subject, new Date(request.storedAt!));
    if (!ids.has(id)) return null;
    for (const event of await this.store.readSubject(subject, request.seq))
      if (event.type === 'backfill.canceled') return event;
    return null;
  }
}

function notFound(slug: string, backfillId: string): DomainError {
  return new DomainError('backfill_not_found', `Workflow "${slug}" has no backfill "${backfillId}".`, {
    backfillId,
  });
}

/** The backfill's parameters over the workflow's defaults must match its `parametersSchema` (as a manual run's). */
function checkParameters(workflow: WorkflowDefinition, parameters: Record<string, unknown>): void {
  if (!workflow.parametersSchema) return;
  const compilation = compileUserSchema(workflow.parametersSchema);
  if (!compilation.ok) {
    throw new DomainError(
      'workflow_schema_invalid',
      `The workflow's parametersSchema does not compile (${compilation.message}); fix it with PUT /workflows/${workflow.slug}.`,
    );
  }
  const errors = parameterProblems(compilation.validate, parameters);
  if (errors.length === 0) return;
  throw new ValidationError(
    'invalid_parameters',
    `The backfill parameters do not match the workflow's parametersSchema: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`,
    errors,
  );
}
