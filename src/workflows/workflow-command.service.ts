import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { DomainError, ValidationError } from '../domain/domain-error.js';
import { newEventId, toEnvelope, type StoredEvent } from '../events/envelope.js';
import { ConcurrencyConflictError, type EventStore } from '../events/event-store.js';
import { ServiceUrlDeniedError, ServiceUrlPolicy } from '../jobs/service-url-policy.js';
import { assertRunRequestFits, definitionLayers } from '../runs/run-request-size.js';
import { EVENT_STORE } from '../runtime/tokens.js';
import { validateWorkflowDefinition, type ValidationProblem } from './validate-definition.js';
import type { WorkflowDefinition, WorkflowDefinitionInput } from './workflow-definition.js';
import { decideWorkflow, evolveWorkflow, initialWorkflowState, type WorkflowCommand } from './workflow.decider.js';
import { RecentDefinitions, type LoadedDefinition } from './recent-definitions.js';
import type { WorkflowDefinitionUpdated } from './workflow.events.js';

export interface WorkflowWriteResult {
  workflow: WorkflowDefinition;
  eventSeq: number;
  created: boolean;
}

/** Loads a workflow from its subject, decides, appends with optimistic concurrency. */
@Injectable()
export class WorkflowCommandService {
  private readonly serviceUrls: ServiceUrlPolicy;
  /** Definitions for the read endpoints: see `recent`. */
  private readonly recentDefinitions = new RecentDefinitions((slug) => this.load(slug));

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.serviceUrls = new ServiceUrlPolicy(config.serviceUrlAllowlist);
  }

  /** The current definition straight from the event log (never lags), with the sequence of its last event. */
  async load(slug: string): Promise<{ workflow: WorkflowDefinition; seq: number } | null> {
    if (!isSlug(slug)) return null;
    const last = (await this.store.readLast(this.store.subjects.definition(slug))) as StoredEvent<
      'workflow.definition.updated',
      WorkflowDefinitionUpdated
    > | null;
    // The last event carries the whole definition: folding it alone is folding the subject.
    return last ? { workflow: evolveWorkflow(initialWorkflowState, last), seq: last.seq } : null;
  }

  async require(slug: string): Promise<{ workflow: WorkflowDefinition; seq: number }> {
    return requireFound(slug, await this.load(slug));
  }

  /**
   * For read endpoints only: the definition as read from the log at most a second ago (`RecentDefinitions`), or
   * `fresh: true` to read it now. Writes always decide on `load`. A caller that would refuse a request because of
   * what a reused definition says (an asset it does not declare, a partition key it does not accept) asks again
   * with `fresh: true` first.
   */
  async requireRecent(slug: string, options: { fresh?: boolean } = {}): Promise<LoadedDefinition> {
    if (!isSlug(slug)) return requireFound<LoadedDefinition>(slug, null);
    const found = options.fresh ? await this.recentDefinitions.fresh(slug) : await this.recentDefinitions.get(slug);
    return requireFound(slug, found);
  }

  async register(body: unknown, actor: string, requestId: string): Promise<WorkflowWriteResult> {
    const input = this.validate(body);
    await this.checkServiceUrls(input);
    const current = await this.load(input.slug);
    const command: WorkflowCommand = {
      type: 'RegisterWorkflow',
      input,
      workflowId: newEventId(),
      now: new Date().toISOString(),
    };
    return this.execute(command, current, actor, requestId, true);
  }

  async update(
    slug: string,
    body: unknown,
    expectedVersion: number | undefined,
    actor: string,
    requestId: string,
  ): Promise<WorkflowWriteResult> {
    const input = this.validate(body, slug);
    await this.checkServiceUrls(input);
    for (let attempt = 0; ; attempt++) {
      const current = await this.load(slug);
      const command: WorkflowCommand = {
        type: 'UpdateWorkflow',
        input,
        now: new Date().toISOString(),
        ...(expectedVersion === undefined ? {} : { expectedVersion }),
      };
      try {
        return await this.execute(command, current, actor, requestId, false);
      } catch (error) {
        // Without If-Match the client asked for "replace": one retry on a concurrent change is what it expects.
        if (expectedVersion !== undefined || attempt > 0 || (error as DomainError).code !== 'version_conflict')
          throw error;
      }
    }
  }

  private validate(body: unknown, slug?: string) {
    const result = validateWorkflowDefinition(body, slug === undefined ? {} : { slug });
    if (!result.ok) {
      const summary = result.errors.map((error) => `${error.path || '/'}: ${error.message}`).join('; ');
      throw new ValidationError('invalid_definition', `The workflow definition is invalid: ${summary}`, result.errors);
    }
    return result.value;
  }

  /** The SSRF policy at registration (the call checks again, on the addresses it connects to). */
  private async checkServiceUrls(input: WorkflowDefinitionInput): Promise<void> {
    const problems: ValidationProblem[] = [];
    for (const [index, step] of input.steps.entries()) {
      if (!step.serviceUrl) continue;
      try {
        await this.serviceUrls.check(step.serviceUrl);
      } catch (error) {
        if (!(error instanceof ServiceUrlDeniedError)) throw error;
        problems.push({ path: `/steps/${index}/serviceUrl`, message: error.message });
      }
    }
    if (problems.length === 0) return;
    const summary = problems.map((problem) => `${problem.path}: ${problem.message}`).join('; ');
    throw new ValidationError('invalid_definition', `The workflow definition is invalid: ${summary}`, problems);
  }

  private async execute(
    command: WorkflowCommand,
    current: { workflow: WorkflowDefinition; seq: number } | null,
    actor: string,
    requestId: string,
    created: boolean,
  ): Promise<WorkflowWriteResult> {
    const events = decideWorkflow(command, current?.workflow ?? null);
    if (events.length === 0) return { workflow: current!.workflow, eventSeq: current!.seq, created: false };
    const workflow = events[0]!.data.workflow;
    assertRunRequestFits(workflow, definitionLayers(workflow), this.store.maxEventBytes);
    const envelopes = events.map((event) =>
      toEnvelope(event, { correlationId: requestId, causationId: null, actor }, command.now),
    );
    try {
      const result = await this.store.append(this.store.subjects.definition(workflow.slug), envelopes, {
        expectedLastSeq: current?.seq ?? 0,
      });
      this.recentDefinitions.written(workflow.slug, { workflow, seq: result.lastSeq });
      return { workflow, eventSeq: result.lastSeq, created };
    } catch (error) {
      if (!(error instanceof ConcurrencyConflictError)) throw error;
      if (created)
        throw new DomainError('workflow_exists', `A workflow with slug "${workflow.slug}" already exists.`, {
          slug: workflow.slug,
        });
      throw new DomainError(
        'version_conflict',
        `The workflow "${workflow.slug}" changed concurrently; reload it and retry.`,
      );
    }
  }
}

function requireFound<T>(slug: string, found: T | null): T {
  if (!found) throw new DomainError('workflow_not_found', `No workflow with slug "${slug}".`, { slug });
  return found;
}

/** A slug a workflow can have (anything else is never looked up). */
function isSlug(slug: string): boolean {
  return /^[a-z0-9][a-z0-9_-]*$/.test(slug) && slug.length <= 100;
}
