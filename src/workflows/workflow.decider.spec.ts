import { deciderSpec } from '../../test/support/decider-spec.js';
import type { WorkflowDefinitionInput } from './workflow-definition.js';
import {
  decideWorkflow,
  evolveWorkflow,
  initialWorkflowState,
  type WorkflowCommand,
  type WorkflowEvent,
  type WorkflowState,
} from './workflow.decider.js';

const REGISTERED_AT = '2026-01-01T00:00:00.000Z';
const NOW = '2026-02-01T00:00:00.000Z';

const input = (overrides: Partial<WorkflowDefinitionInput> = {}): WorkflowDefinitionInput => ({
  slug: 'reports',
  name: 'Reports',
  steps: [{ id: 'build', type: 'job', jobSlug: 'build', dependsOn: [], retries: 0, produces: [], consumes: [] }],
  ...overrides,
});

const spec = deciderSpec<WorkflowState, WorkflowEvent, WorkflowCommand, WorkflowEvent[]>({
  evolve: evolveWorkflow,
  initial: initialWorkflowState,
  decide: decideWorkflow,
});

const register = (overrides: Partial<WorkflowDefinitionInput> = {}): WorkflowCommand => ({
  type: 'RegisterWorkflow',
  input: input(overrides),
  workflowId: 'wf-1',
  now: REGISTERED_AT,
});
const update = (overrides: Partial<WorkflowDefinitionInput> = {}, expectedVersion?: number): WorkflowCommand => ({
  type: 'UpdateWorkflow',
  input: input(overrides),
  now: NOW,
  ...(expectedVersion === undefined ? {} : { expectedVersion }),
});

/** The event a registration appends, as the stream holds it. */
const registered = (overrides: Partial<WorkflowDefinitionInput> = {}): WorkflowEvent => ({
  type: 'workflow.definition.updated',
  data: {
    workflow: { ...input(overrides), id: 'wf-1', version: 1, createdAt: REGISTERED_AT, updatedAt: REGISTERED_AT },
  },
});
const updatedTo = (version: number, overrides: Partial<WorkflowDefinitionInput>): WorkflowEvent => ({
  type: 'workflow.definition.updated',
  data: { workflow: { ...input(overrides), id: 'wf-1', version, createdAt: REGISTERED_AT, updatedAt: NOW } },
});

describe('workflow decider', () => {
  describe('before the workflow is registered', () => {
    it('registers it at version 1 with the id and time the command brings', () => {
      spec
        .given([])
        .when(register())
        .then((events) => expect(events).toEqual([registered()]));
    });

    it('refuses an update: workflow_not_found', () => {
      spec.given([]).when(update()).thenThrows('workflow_not_found');
    });
  });

  describe('when the workflow is registered', () => {
    it('refuses a second registration of the slug: workflow_exists', () => {
      spec.given([registered()]).when(register()).thenThrows('workflow_exists');
    });

    it('replaces the definition at the next version, keeping its id and creation time', () => {
      spec
        .given([registered()])
        .when(update({ name: 'Monthly reports' }))
        .then((events) => expect(events).toEqual([updatedTo(2, { name: 'Monthly reports' })]));
    });

    it('records nothing for an update identical to the current definition (idempotent PUT)', () => {
      spec
        .given([registered()])
        .when(update())
        .then((events) => expect(events).toEqual([]));
    });

    it('compares content, not key order or absent optional fields', () => {
      const reordered = { steps: input().steps, name: 'Reports', slug: 'reports', description: undefined };
      spec
        .given([registered()])
        .when({ type: 'UpdateWorkflow', input: reordered, now: NOW })
        .then((events) => expect(events).toEqual([]));
    });

    it('refuses a stale If-Match version: version_conflict', () => {
      spec
        .given([registered()])
        .when(update({ name: 'Other' }, 7))
        .thenThrows('version_conflict');
    });

    it('accepts the current If-Match version', () => {
      spec
        .given([registered()])
        .when(update({ name: 'Other' }, 1))
        .then((events) => expect(events.map((event) => event.data.workflow.version)).toEqual([2]));
    });
  });

  describe('when the workflow was updated since', () => {
    it('decides on the latest definition (version and content)', () => {
      const history = [registered(), updatedTo(2, { name: 'Second' })];
      spec
        .given(history)
        .when(update({ name: 'Second' }, 1))
        .thenThrows('version_conflict');
      spec
        .given(history)
        .when(update({ name: 'Third' }, 2))
        .then((events) => expect(events).toEqual([updatedTo(3, { name: 'Third' })]));
      spec
        .given(history)
        .when(update({ name: 'Second' }))
        .then((events) => expect(events).toEqual([]));
    });
  });
});
