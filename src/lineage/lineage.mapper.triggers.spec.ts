import { v7 as uuidv7 } from 'uuid';
import {
  aDefinitionEvent,
  aRecordedAsset,
  aRunStory,
  testEventId,
} from '../../test/support/builders/lineage-events.js';
import { aStep } from '../../test/support/builders/materializer-events.js';
import { context, dailySchema, given, ingest, reportSteps } from '../../test/support/lineage-mapping.js';
import { derivedEventId } from '../events/envelope.js';
import { canonicalJson } from './canonical-json.js';
import { FACET_SCHEMA_URLS, LINEAGE_PRODUCER } from './lineage-facets.js';
import { workflowRunLineageId } from './lineage-ids.js';
import { decideLineage } from './lineage.mapper.js';
import { emptyLineageState } from './lineage.state.js';

const P = LINEAGE_PRODUCER;

describe('OpenLineage mapping: triggers and ids', () => {
  describe('triggers', () => {
    const steps = [aStep('load')];
    const startOf = (options: Parameters<typeof aRunStory>[0]) => {
      const story = aRunStory(options);
      return given([story.requested()]).when(story.started())[0]!.run.facets!.apphub_trigger;
    };

    it('carries an auto-materialize trigger with its upstream materialization', () => {
      const upstream = {
        workflowSlug: 'ingest',
        runId: uuidv7(),
        eventSeq: 42,
        assetId: 'raw.orders',
        partitionKey: null,
      };
      const trigger = {
        type: 'auto-materialize',
        reason: 'upstream-update',
        assetId: 'raw.orders',
        upstream,
        chain: ['ingest', 'report'],
        triggerEventId: 'x',
      };
      const runId = derivedEventId(testEventId('produced'), 'auto-run', 'report', null);
      expect(startOf({ slug: 'report', runId, steps, trigger, triggeredBy: 'asset-materializer' })).toEqual({
        _producer: P,
        _schemaURL: FACET_SCHEMA_URLS.apphub_trigger,
        type: 'auto-materialize',
        triggeredBy: 'asset-materializer',
        reason: 'upstream-update',
        assetId: 'raw.orders',
        upstream,
      });
    });

    it('carries a dependency trigger with the waiting run', () => {
      const waitingRun = { workflowSlug: 'report', runId: uuidv7(), stepId: 'load' };
      const trigger = { type: 'dependency', assetId: 'raw.orders', partitionKey: 'eu', waitingRun };
      expect(startOf({ slug: 'ingest', runId: uuidv7(), steps, trigger })).toMatchObject({
        type: 'dependency',
        assetId: 'raw.orders',
        partitionKey: 'eu',
        waitingRun,
      });
    });

    it('carries a backfill trigger and an expiry trigger', () => {
      expect(
        startOf({ slug: 'report', runId: uuidv7(), steps, trigger: { type: 'backfill', backfillId: 'bf-1' } }),
      ).toMatchObject({
        type: 'backfill',
        backfillId: 'bf-1',
      });
      const expiry = { type: 'auto-materialize', reason: 'expiry', assetId: 'a.b', expiry: { reason: 'ttl' } };
      expect(startOf({ slug: 'report', runId: uuidv7(), steps, trigger: expiry })).toMatchObject({
        reason: 'expiry',
        expiry: { reason: 'ttl' },
      });
    });
  });

  describe('ids and determinism', () => {
    it('keeps a UUID run id and maps any other id to a stable UUID', () => {
      const id = uuidv7();
      expect(workflowRunLineageId(id)).toBe(id);
      const derived = workflowRunLineageId('legacy-run-7');
      expect(derived).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(workflowRunLineageId('legacy-run-7')).toBe(derived);
      const story = aRunStory({ slug: 'report', runId: 'legacy-run-7', steps: [aStep('load')] });
      const [start] = given([story.requested()]).when(story.started());
      expect(start!.run.runId).toBe(derived);
    });

    it('maps the same events to byte-identical JSON, whatever the run', () => {
      const story = aRunStory({ slug: 'report', runId: uuidv7(), steps: reportSteps });
      const events = [
        aDefinitionEvent(ingest),
        story.requested(),
        story.started(),
        story.dispatched('load'),
        story.succeeded('load', [aRecordedAsset('sales.daily', { schema: dailySchema })]),
        story.runSucceeded(),
      ];
      const emit = () => {
        const state = emptyLineageState();
        return events.flatMap((event) => decideLineage(state, event, context)).map(canonicalJson);
      };
      const first = emit();
      expect(first).toHaveLength(4);
      expect(emit()).toEqual(first);
      expect(first[0]!.startsWith('{"eventTime":"2026-01-15T10:00:01.000Z","eventType":"START"')).toBe(true);
    });

    it('passes over events of runs it never saw requested and types it does not read', () => {
      const story = aRunStory({ slug: 'report', runId: uuidv7(), steps: [aStep('load')] });
      expect(given([]).when(story.started())).toEqual([]);
      expect(given([story.requested()]).when({ ...story.started(), type: 'workflow.run.waiting' })).toEqual([]);
    });

    it('uses the configured job and dataset namespaces', () => {
      const story = aRunStory({ slug: 'report', runId: uuidv7(), steps: reportSteps });
      const ctx = { jobNamespace: 'prod-jobs', datasetNamespace: 'prod-data' };
      const [start] = given([aDefinitionEvent(ingest), story.requested(), story.started()], ctx).when(
        story.dispatched('load'),
      );
      expect(start!.job.namespace).toBe('prod-jobs');
      expect(start!.run.facets!.parent).toMatchObject({ job: { namespace: 'prod-jobs', name: 'report' } });
      expect(start!.inputs[0]!.namespace).toBe('prod-data');
    });
  });
});
