import type { StoredEvent } from '../events/envelope.js';
import type { RunError, RunRequested, StepDispatched, StepFailed, StepSucceeded } from '../runs/run.events.js';
import type { WorkflowDefinitionUpdated } from '../workflows/workflow.events.js';
import { declaredOutputs, recordedOutputs, stepInputs } from './lineage-datasets.js';
import {
  errorMessageFacet,
  jobTypeFacet,
  LINEAGE_PRODUCER,
  parentFacet,
  processingEngineFacet,
  RUN_EVENT_SCHEMA_URL,
  triggerFacet,
} from './lineage-facets.js';
import { stepRunLineageId, workflowRunLineageId } from './lineage-ids.js';
import { producedAssets, stepPlans, type LineageState, type RunLineage } from './lineage.state.js';
import type { Facet, OpenLineageDataset, OpenLineageEventType, OpenLineageRunEvent } from './openlineage.types.js';

/** Namespaces of the emitted jobs (`OPENLINEAGE_NAMESPACE`) and datasets (`OPENLINEAGE_DATASET_NAMESPACE`). */
export interface LineageContext {
  jobNamespace: string;
  datasetNamespace: string;
}

/** The stream events the mapping reads; every other type is passed over. */
export const LINEAGE_INPUT_TYPES: ReadonlySet<string> = new Set([
  'workflow.definition.updated',
  'workflow.run.requested',
  'workflow.run.started',
  'workflow.step.dispatched',
  'workflow.step.succeeded',
  'workflow.step.failed',
  'workflow.run.succeeded',
  'workflow.run.failed',
  'workflow.run.canceled',
]);

/**
 * The OpenLineage mapping (pure; STYLE §6): folds one stream event into the state and returns the RunEvents it
 * causes. A workflow run is a job named after the workflow slug (START on `workflow.run.started`, COMPLETE / FAIL /
 * ABORT on its end); each step attempt is a child run of job `<slug>.<stepId>` with the `parent` facet (START on
 * dispatch, COMPLETE or FAIL on its result, ABORT when the run ends before it does). Every time comes from the
 * event, every id is derived, so the same events always map to the same RunEvents.
 */
export function decideLineage(state: LineageState, event: StoredEvent, context: LineageContext): OpenLineageRunEvent[] {
  if (event.type === 'workflow.definition.updated') {
    const { workflow } = event.data as WorkflowDefinitionUpdated;
    state.producers.set(workflow.slug, producedAssets(workflow));
    return [];
  }
  if (event.type === 'workflow.run.requested') {
    const request = event.data as RunRequested;
    state.runs.set(request.runId, {
      runId: request.runId,
      olRunId: workflowRunLineageId(request.runId),
      slug: request.workflowSlug,
      partitionKey: request.partitionKey,
      triggeredBy: request.triggeredBy,
      trigger: request.trigger,
      steps: stepPlans(request),
      openSteps: {},
    });
    return [];
  }
  const run = state.runs.get(runIdOf(event));
  if (!run) return [];
  return new RunMapping(state, run, event, context).map();
}

/** The run id is the last token of the run subject (`<prefix>.run.<slug>.<runId>`). */
export function runIdOf(event: StoredEvent): string {
  return event.subject.slice(event.subject.lastIndexOf('.') + 1);
}

class RunMapping {
  constructor(
    private readonly state: LineageState,
    private readonly run: RunLineage,
    private readonly event: StoredEvent,
    private readonly context: LineageContext,
  ) {}

  map(): OpenLineageRunEvent[] {
    const data = this.event.data as Record<string, unknown>;
    switch (this.event.type) {
      case 'workflow.run.started':
        return [this.runEvent('START', data.startedAt as string)];
      case 'workflow.step.dispatched':
        return [this.stepStarted(data as unknown as StepDispatched)];
      case 'workflow.step.succeeded':
        return [this.stepSucceeded(data as unknown as StepSucceeded)];
      case 'workflow.step.failed':
        return [this.stepFailed(data as unknown as StepFailed)];
      case 'workflow.run.succeeded':
        return this.runEnded('COMPLETE', data.completedAt as string, null);
      case 'workflow.run.failed':
        return this.runEnded('FAIL', data.completedAt as string, data.error as RunError);
      case 'workflow.run.canceled':
        return this.runEnded('ABORT', data.completedAt as string, null);
      default:
        return [];
    }
  }

  private stepStarted(data: StepDispatched): OpenLineageRunEvent {
    this.run.openSteps[data.stepId] = data.attempt;
    const plan = this.run.steps.find((step) => step.id === data.stepId);
    const inputs = stepInputs(this.state, this.run, plan, this.context.datasetNamespace);
    const outputs = declaredOutputs(plan, this.context.datasetNamespace);
    return this.stepEvent('START', data.dispatchedAt, data.stepId, data.attempt, { inputs, outputs });
  }

  private stepSucceeded(data: StepSucceeded): OpenLineageRunEvent {
    delete this.run.openSteps[data.stepId];
    const plan = this.run.steps.find((step) => step.id === data.stepId);
    const inputs = stepInputs(this.state, this.run, plan, this.context.datasetNamespace);
    const outputs = recordedOutputs(this.event.id, plan, data.assets, this.context.datasetNamespace);
    return this.stepEvent('COMPLETE', data.completedAt, data.stepId, data.attempt, { inputs, outputs });
  }

  private stepFailed(data: StepFailed): OpenLineageRunEvent {
    delete this.run.openSteps[data.stepId];
    const plan = this.run.steps.find((step) => step.id === data.stepId);
    const inputs = stepInputs(this.state, this.run, plan, this.context.datasetNamespace);
    return this.stepEvent('FAIL', data.completedAt, data.stepId, data.attempt, {
      inputs,
      error: data.error,
    });
  }

  /** The run ends: attempts still open are aborted first (in step id order), then the run's own event. */
  private runEnded(type: OpenLineageEventType, at: string, error: RunError | null): OpenLineageRunEvent[] {
    const open = Object.entries(this.run.openSteps).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const events = open.map(([stepId, attempt]) => this.stepEvent('ABORT', at, stepId, attempt, {}));
    events.push(this.runEvent(type, at, error));
    this.state.runs.delete(this.run.runId);
    return events;
  }

  private runEvent(type: OpenLineageEventType, at: string, error: RunError | null = null): OpenLineageRunEvent {
    const facets: Record<string, Facet> = {
      apphub_trigger: triggerFacet(this.run.trigger, this.run.triggeredBy),
      processing_engine: processingEngineFacet(),
    };
    if (error) facets.errorMessage = errorMessageFacet(error);
    return this.build(type, at, { runId: this.run.olRunId, facets }, this.run.slug, 'WORKFLOW', [], []);
  }

  private stepEvent(
    type: OpenLineageEventType,
    at: string,
    stepId: string,
    attempt: number,
    parts: { inputs?: OpenLineageDataset[]; outputs?: OpenLineageDataset[]; error?: RunError },
  ): OpenLineageRunEvent {
    const facets: Record<string, Facet> = {
      parent: parentFacet(this.run.olRunId, this.context.jobNamespace, this.run.slug),
      processing_engine: processingEngineFacet(),
    };
    if (parts.error) facets.errorMessage = errorMessageFacet(parts.error);
    const runId = stepRunLineageId(this.run.olRunId, stepId, attempt);
    const job = `${this.run.slug}.${stepId}`;
    return this.build(type, at, { runId, facets }, job, 'STEP', parts.inputs ?? [], parts.outputs ?? []);
  }

  private build(
    eventType: OpenLineageEventType,
    eventTime: string,
    run: OpenLineageRunEvent['run'],
    jobName: string,
    jobType: 'WORKFLOW' | 'STEP',
    inputs: OpenLineageDataset[],
    outputs: OpenLineageDataset[],
  ): OpenLineageRunEvent {
    return {
      eventType,
      eventTime,
      producer: LINEAGE_PRODUCER,
      schemaURL: RUN_EVENT_SCHEMA_URL,
      run,
      job: { namespace: this.context.jobNamespace, name: jobName, facets: { jobType: jobTypeFacet(jobType) } },
      inputs,
      outputs,
    };
  }
}
