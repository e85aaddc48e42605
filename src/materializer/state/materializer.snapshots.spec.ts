import { snapshotSpec } from '../../../test/support/snapshot-spec.js';
import { aStep, aWorkflow } from '../../../test/support/builders/materializer-events.js';
import type { TriggerSpec } from '../materializer.events.js';
import type { CheckBlock, InFlightRun } from '../saga-state.js';
import {
  chainSnapshot,
  checkBlockSnapshot,
  definitionSnapshot,
  inFlightSnapshot,
  pendingSnapshot,
  queuedSnapshot,
} from './materializer.snapshots.js';

const trigger: TriggerSpec = {
  reason: 'backfill',
  assetId: 'up.out',
  sourceAssetId: 'down.in',
  partitionKey: '2024-01-05',
  upstream: null,
  expiry: null,
  chain: ['up', 'down'],
  eventId: 'event-1',
  coalesced: 2,
  backfill: { backfillId: 'bf-1', parameters: { full: true } },
};
const inFlight: InFlightRun = {
  runId: 'run-1',
  assetId: 'up.out',
  reason: 'upstream-update',
  since: '2026-01-01T00:00:00.000Z',
};
const { backfill: _backfill, ...upstreamTrigger } = trigger;
const block: CheckBlock = {
  inputs: [{ assetId: 'up.out', partitionKey: null, eventId: 'event-2', seq: 7, checks: ['row_count'] }],
  heldExpiry: { ...upstreamTrigger, reason: 'expiry', expiry: { reason: 'ttl' } },
};

describe('materializer snapshots', () => {
  describe('in flight (materializer_target.in_flight)', () => {
    snapshotSpec(inFlightSnapshot, { state: inFlight, legacyRow: inFlight });

    it('keeps `since` where the reconciliation sweep reads it (in_flight->>since)', () => {
      expect(JSON.parse(JSON.stringify(inFlightSnapshot.encode(inFlight))).since).toBe(inFlight.since);
    });
  });
  describe('pending trigger (materializer_target.pending)', () => {
    snapshotSpec(pendingSnapshot, { state: trigger, legacyRow: trigger });
  });
  describe('queued triggers (materializer_target.queued)', () => {
    snapshotSpec(queuedSnapshot, {
      state: [trigger, { ...trigger, eventId: 'event-3' }],
      legacyRow: [trigger, { ...trigger, eventId: 'event-3' }],
    });

    it('reads the column default of rows before versions (an empty array)', () => {
      expect(queuedSnapshot.decode([])).toEqual([]);
    });
  });
  describe('check block (materializer_target.check_block)', () => {
    snapshotSpec(checkBlockSnapshot, { state: block, legacyRow: block });
  });
  describe('definition (materializer_workflow.definition)', () => {
    const workflow = aWorkflow('down', [aStep('make', { consumes: ['up.out'] })]);
    snapshotSpec(definitionSnapshot, { state: workflow, legacyRow: workflow });
  });
  describe('causation chain (materializer_run.chain)', () => {
    snapshotSpec(chainSnapshot, { state: ['up', 'down'], legacyRow: ['up', 'down'] });
  });
});
