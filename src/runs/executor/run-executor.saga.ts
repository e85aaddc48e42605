import { relayedAssets, relayedChecks, type RelayRunContext } from '../../assets/asset-relay.js';
import type { AssetExpired, AssetProduced } from '../../assets/asset.events.js';
import { derivedEventId, type EventEnvelope, type NewEvent, type StoredEvent } from '../../events/envelope.js';
import type { WorkflowDefinitionUpdated } from '../../workflows/workflow.events.js';
import { findMissingDependency, type AssetAvailability } from '../dependency-check.js';
import { producesOf, type WorkflowProduces } from '../run-graph.js';
import { evolveRun, isTerminal, type RunState } from '../run-state.js';
import { decideRun, readySteps, type MissingAsset } from '../run.decider.js';
import { TERMINAL_RUN_EVENTS, type RunEvent, type RunEventType, type StepSucceeded } from '../run.events.js';
import { admitRuns, isGated } from './run-admission.js';
import { foldRunEvent, runIdOf, runSlugOf, type ExecutorState } from './executor-state.js';
import { followUpsOf, type FollowUp } from './run-follow-ups.js';

/** Tuning that comes from configuration, never from the clock. */
export interface ExecutorContext {
  dependencyWaitMs: number;
  maxConcurrentAutoRuns: number;
}

/** Availability the decider reads and keeps up to date as it folds asset events (prefetched by the shell). */
export interface BatchAvailability extends AssetAvailability {
  recordProduced(assetId: string, partitionKey: string | null, eventId: string): void;
  recordExpired(assetId: string, partitionKey: string | null, producedEventId: string): void;
}

/** Events decided for one run, to append to its subject expecting the run's last sequence. */
export interface RunAppend {
  slug: string;
  runId: string;
  expectedLastSeq: number;
  events: NewEvent[];
  occurredAt: string;
  causationId: string;
}

/**
 * What folding one batch found: the runs to decide (with the event that touched them), resumptions, admitted
 * gated runs, relayed assets, follow-ups of the run events read, and what changed (to persist).
 */
export interface BatchPlan {
  touched: Map<string, Touch>;
  resumes: Map<string, { stepId: string; assetId: string }>;
  admitted: Set<string>;
  /** `asset.produced` events relayed from succeeded steps (DESIGN §3). */
  produced: EventEnvelope[];
  /** `asset.check.evaluated` events of those materializations, appended before them (DESIGN §14). */
  checks: EventEnvelope[];
  /** Follow-ups of the run events read in this batch (the shell skips those it already carried out). */
  followUps: FollowUp[];
  changed: Set<string>;
  ended: Map<string, RunState>;
  graph: WorkflowProduces[];
}

export interface Touch {
  now: string;
  causationId: string;
}

const RUN_EVENT = /^workflow\.(run|step)\./;

/**
 * The run process manager's decider, part 1 (STYLE §6): folds a batch of stream events into the active runs and
 * the asset availability, in stream order, and finds every run the batch touched, the runs to resume (their asset
 * arrived — also when it arrived before the wait was recorded), the gated auto runs that may start (by priority
 * within the workflow's concurrency cap), the assets of succeeded steps to relay as `asset.produced`, and the
 * follow-ups of the run events read. Time comes from the events; nothing here does IO.
 */
export function foldBatch(
  state: ExecutorState,
  events: readonly StoredEvent[],
  context: ExecutorContext,
  availability: BatchAvailability,
  contexts: ReadonlyMap<string, RelayRunContext> = new Map(),
): BatchPlan {
  const plan: BatchPlan = {
    touched: new Map(),
    resumes: new Map(),
    admitted: new Set(),
    produced: [],
    checks: [],
    followUps: [],
    changed: new Set(),
    ended: new Map(),
    graph: [],
  };
  const admitSlugs = new Set<string>();
  const runEvents: StoredEvent[] = [];
  for (const event of events) {
    if (event.type === 'workflow.definition.updated') {
      plan.graph.push(state.graph.define(producesOf((event.data as WorkflowDefinitionUpdated).workflow)));
    } else if (event.type === 'asset.produced') {
      const data = event.data as AssetProduced;
      availability.recordProduced(data.assetId, data.partitionKey, event.id);
      for (const runId of state.waitingFor.get(data.assetId) ?? []) {
        const wait = state.runs.get(runId)?.waiting;
        if (wait && (wait.partitionKey === null || wait.partitionKey === data.partitionKey)) {
          plan.resumes.set(runId, { stepId: wait.stepId, assetId: wait.assetId });
          plan.touched.set(runId, { now: event.occurredAt, causationId: event.id });
        }
      }
    } else if (event.type === 'asset.expired') {
      const data = event.data as AssetExpired;
      availability.recordExpired(data.assetId, data.partitionKey, data.producedEventId);
    } else if (RUN_EVENT.test(event.type)) {
      foldEvent(state, event, plan, admitSlugs, contexts, availability);
      runEvents.push(event);
      // A run's end frees a slot of its workflow's gate, also when the executor ended it itself (the run left the
      // state when its own terminal event was folded back; reading that event back is when the gate moves on).
      if (TERMINAL_RUN_EVENTS.includes(event.type as RunEventType)) admitSlugs.add(runSlugOf(event.subject));
    }
  }
  plan.admitted = admit(state, context, admitSlugs, plan.touched, events);
  for (const event of runEvents) {
    const runId = runIdOf(event.subject);
    plan.followUps.push(...followUpsOf(event, state.runs.get(runId) ?? plan.ended.get(runId) ?? null));
  }
  return plan;
}

/**
 * The run process manager's decider, part 2: what happens next to every touched run — a resume, then start,
 * dispatch ready steps, wait for a missing consumed asset (naming its producer, whose run the materializer
 * requests), fail or finish. Every new event id is derived from the run and the fact.
 */
export function decideRuns(
  state: ExecutorState,
  plan: BatchPlan,
  context: ExecutorContext,
  availability: AssetAvailability,
): RunAppend[] {
  const appends: RunAppend[] = [];
  for (const [runId, touch] of plan.touched) {
    const run = state.runs.get(runId);
    if (!run) continue;
    const canStart = !isGated(run) || run.status !== 'pending' || plan.admitted.has(runId);
    const resume = plan.resumes.get(runId) ?? null;
    const decided = decideRunEvents(run, touch.now, canStart, resume, state, context, availability);
    if (decided.length > 0)
      appends.push({
        slug: run.request.workflowSlug,
        runId,
        expectedLastSeq: run.lastSeq,
        events: decided,
        occurredAt: touch.now,
        causationId: touch.causationId,
      });
  }
  return appends;
}

function foldEvent(
  state: ExecutorState,
  event: StoredEvent,
  plan: BatchPlan,
  admitSlugs: Set<string>,
  contexts: ReadonlyMap<string, RelayRunContext>,
  availability: BatchAvailability,
): void {
  const runId = runIdOf(event.subject);
  const { run, fresh } = foldRunEvent(state, event);
  if (event.type === 'workflow.step.succeeded') {
    const context = run?.request ?? contexts.get(runId);
    const step = event as StoredEvent<string, StepSucceeded>;
    if (context && step.data.assets.length > 0) {
      plan.checks.push(...relayedChecks(step, runId, context));
      plan.produced.push(...relayedAssets(step, runId, context));
    }
  }
  if (!run || !fresh) return;
  if (isTerminal(run)) {
    plan.ended.set(runId, run);
    plan.changed.delete(runId);
    plan.touched.delete(runId);
    plan.resumes.delete(runId);
    if (isGated(run)) admitSlugs.add(run.request.workflowSlug);
    return;
  }
  plan.changed.add(runId);
  if (event.type === 'workflow.run.requested' && isGated(run)) admitSlugs.add(run.request.workflowSlug);
  // Lost wake-up: the awaited asset may have been produced after the check that decided to wait.
  if (event.type === 'workflow.run.waiting' && run.waiting && availability.isAvailable(run.waiting)) {
    plan.resumes.set(runId, { stepId: run.waiting.stepId, assetId: run.waiting.assetId });
  }
  plan.touched.set(runId, { now: event.occurredAt, causationId: event.id });
}

/** Gated runs that may start now, for every workflow whose gate may have moved; admitted runs are touched. */
function admit(
  state: ExecutorState,
  context: ExecutorContext,
  slugs: Set<string>,
  touched: Map<string, Touch>,
  events: readonly StoredEvent[],
): Set<string> {
  for (const runId of touched.keys()) {
    const run = state.runs.get(runId);
    if (run && isGated(run) && run.status === 'pending') slugs.add(run.request.workflowSlug);
  }
  const last = events[events.length - 1]!;
  const admitted = new Set<string>();
  for (const slug of slugs) {
    for (const runId of admitRuns(state, slug, context.maxConcurrentAutoRuns)) {
      admitted.add(runId);
      if (!touched.has(runId)) touched.set(runId, { now: last.occurredAt, causationId: last.id });
    }
  }
  return admitted;
}

/** The events one run gets now: a resume if its asset arrived, then whatever advancing it decides. */
function decideRunEvents(
  run: RunState,
  now: string,
  canStart: boolean,
  resume: { stepId: string; assetId: string } | null,
  state: ExecutorState,
  context: ExecutorContext,
  availability: AssetAvailability,
): NewEvent[] {
  const events: NewEvent[] = [];
  let draft = run;
  if (resume) {
    const resumed = decideRun({ type: 'ResumeRun', ...resume, now }, draft).events;
    events.push(...resumed);
    draft = evolveDraft(draft, resumed);
  }
  if (isTerminal(draft) || draft.status === 'waiting') return events;
  const startable = draft.status !== 'pending' || canStart;
  const missing = startable ? missingAsset(draft, now, state, context, availability) : null;
  events.push(...decideRun({ type: 'AdvanceRun', now, canStart, missing }, draft).events);
  return events;
}

/** The consumed asset a ready step lacks, with the wait bound and the producer run the materializer will request. */
function missingAsset(
  run: RunState,
  now: string,
  state: ExecutorState,
  context: ExecutorContext,
  availability: AssetAvailability,
): MissingAsset | null {
  const ready = readySteps(run).map((step) => step.stepId);
  if (ready.length === 0) return null;
  const missing = findMissingDependency(run, ready, state.graph, availability);
  if (!missing) return null;
  return {
    ...missing,
    producerRunId: predictedProducerRun(run, missing, state),
    waitUntil: new Date(Date.parse(now) + context.dependencyWaitMs).toISOString(),
  };
}

/**
 * The run the materializer requests for a wait (its id is derived from the `workflow.run.waiting` event, the
 * producer and its partition, exactly as the materializer derives it), or null when no run can be predicted.
 */
function predictedProducerRun(
  run: RunState,
  missing: { assetId: string; partitionKey: string | null; producerWorkflowSlug: string | null },
  state: ExecutorState,
): string | null {
  const producer = missing.producerWorkflowSlug;
  if (!producer) return null;
  const entry = state.graph.workflow(producer);
  const partitioned = entry?.produces.some((declaration) => declaration.partitioning !== null) ?? false;
  if (partitioned && missing.partitionKey === null) return null;
  const waitingEventId = derivedEventId(run.request.runId, 'workflow.run.waiting', run.lastSeq);
  return derivedEventId(waitingEventId, 'auto-run', producer, partitioned ? missing.partitionKey : null);
}

/** Folds decided (not yet stored) events into a throw-away copy, with provisional sequences. */
function evolveDraft(run: RunState, events: NewEvent[]): RunState {
  let draft = run;
  for (const event of events)
    draft = evolveRun(draft, { ...event, seq: draft.lastSeq + 1 } as unknown as RunEvent & { seq: number })!;
  return draft;
}
