import { v7 as uuidv7 } from 'uuid';
import {
  aDefinitionEvent,
  aRecordedAsset,
  aRunStory,
  testEventId,
} from '../../test/support/builders/lineage-events.js';
import { aStep, aWorkflow } from '../../test/support/builders/materializer-events.js';
import { dailySchema, given, ingest, reportSteps } from '../../test/support/lineage-mapping.js';
import { derivedEventId } from '../events/envelope.js';
import { FACET_SCHEMA_URLS, LINEAGE_PRODUCER, RUN_EVENT_SCHEMA_URL } from './lineage-facets.js';
import { stepRunLineageId } from './lineage-ids.js';

const P = LINEAGE_PRODUCER;

describe('OpenLineage mapping', () => {
  describe('a manual run with one step', () => {
    const runId = uuidv7();
    const story = aRunStory({ slug: 'report', runId, steps: reportSteps, triggeredBy: 'ops' });
    const history = [aDefinitionEvent(ingest), story.requested()];

    it('starts the workflow run as job <slug> with its run id, the trigger and the engine', () => {
      const [start] = given(history).when(story.started());
      expect(start).toEqual({
        eventType: 'START',
        eventTime: '2026-01-15T10:00:01.000Z',
        producer: P,
        schemaURL: RUN_EVENT_SCHEMA_URL,
        run: {
          runId,
          facets: {
            apphub_trigger: {
              _producer: P,
              _schemaURL: FACET_SCHEMA_URLS.apphub_trigger,
              type: 'manual',
              triggeredBy: 'ops',
            },
            processing_engine: {
              _producer: P,
              _schemaURL: FACET_SCHEMA_URLS.processing_engine,
              name: 'apphub-assets',
              version: '0.1.0',
              openlineageAdapterVersion: '0.1.0',
            },
          },
        },
        job: {
          namespace: 'apphub',
          name: 'report',
          facets: {
            jobType: {
              _producer: P,
              _schemaURL: FACET_SCHEMA_URLS.jobType,
              processingType: 'BATCH',
              integration: 'APPHUB',
              jobType: 'WORKFLOW',
            },
          },
        },
        inputs: [],
        outputs: [],
      });
    });

    it('starts a step as a child run with the parent facet, its inputs and declared outputs', () => {
      const [start] = given([...history, story.started()]).when(story.dispatched('load'));
      expect(start!.eventType).toBe('START');
      expect(start!.eventTime).toBe('2026-01-15T10:00:02.000Z');
      expect(start!.run.runId).toBe(stepRunLineageId(runId, 'load', 1));
      expect(start!.job.name).toBe('report.load');
      expect(start!.run.facets!.parent).toEqual({
        _producer: P,
        _schemaURL: FACET_SCHEMA_URLS.parent,
        run: { runId },
        job: { namespace: 'apphub', name: 'report' },
      });
      expect(start!.inputs).toEqual([
        {
          namespace: 'apphub',
          name: 'raw.orders',
          facets: {
            schema: {
              _producer: P,
              _schemaURL: FACET_SCHEMA_URLS.schema,
              fields: [
                { name: 'orderId', type: 'string', description: 'Order number' },
                { name: 'amount', type: 'number|null' },
              ],
            },
          },
        },
      ]);
      expect(start!.outputs.map((output) => output.name)).toEqual(['sales.daily']);
      expect(start!.outputs[0]!.facets!.version).toBeUndefined();
    });

    it('completes the step with the produced asset versioned by the id of its asset.produced event', () => {
      const g = given([...history, story.started(), story.dispatched('load')]);
      const succeeded = story.succeeded('load', [aRecordedAsset('sales.daily', { schema: dailySchema })]);
      const [complete] = g.when(succeeded);
      expect(complete!.eventType).toBe('COMPLETE');
      expect(complete!.run.runId).toBe(stepRunLineageId(runId, 'load', 1));
      expect(complete!.outputs).toEqual([
        {
          namespace: 'apphub',
          name: 'sales.daily',
          facets: {
            version: {
              _producer: P,
              _schemaURL: FACET_SCHEMA_URLS.version,
              datasetVersion: derivedEventId(succeeded.id, 'sales.daily', null),
            },
            schema: {
              _producer: P,
              _schemaURL: FACET_SCHEMA_URLS.schema,
              fields: [
                { name: 'day', type: 'string' },
                { name: 'total', type: 'number' },
              ],
            },
          },
        },
      ]);
      expect(complete!.inputs.map((input) => input.name)).toEqual(['raw.orders']);
      expect(g.state.runs.get(runId)!.openSteps).toEqual({});
    });

    it('completes the run and forgets it', () => {
      const g = given([...history, story.started(), story.dispatched('load'), story.succeeded('load', [])]);
      const [complete] = g.when(story.runSucceeded());
      expect(complete).toMatchObject({ eventType: 'COMPLETE', run: { runId }, job: { name: 'report' } });
      expect(complete!.eventTime).toBe('2026-01-15T10:00:06.000Z');
      expect(g.state.runs.size).toBe(0);
    });
  });

  describe('a time-window partitioned run', () => {
    const daily = { type: 'timeWindow' as const, granularity: 'day' as const, timezone: 'Europe/Paris' };
    const partitionedIngest = aWorkflow('ingest', [
      aStep('fetch', { produces: [{ assetId: 'raw.orders', partitioning: daily }] }),
    ]);
    const steps = [
      aStep('load', { consumes: ['raw.orders'], produces: [{ assetId: 'sales.daily', partitioning: daily }] }),
    ];
    // 2026-03-29 is the day Paris moves to summer time: 23 hours long.
    const story = aRunStory({ slug: 'report', runId: uuidv7(), steps, partitionKey: '2026-03-29' });
    const history = [aDefinitionEvent(partitionedIngest), story.requested(), story.started()];
    const window = { windowStart: '2026-03-28T23:00:00.000Z', windowEnd: '2026-03-29T22:00:00.000Z' };

    it('reads the run partition of a partitioned input, with its window from the partition kernel', () => {
      const [start] = given(history).when(story.dispatched('load'));
      expect(start!.inputs[0]!.inputFacets).toEqual({
        apphub_partition: {
          _producer: P,
          _schemaURL: FACET_SCHEMA_URLS.apphub_partition,
          partitionKey: '2026-03-29',
          partitioning: 'timeWindow',
          ...window,
        },
      });
    });

    it('marks the produced partition on the output', () => {
      const g = given([...history, story.dispatched('load')]);
      const [complete] = g.when(
        story.succeeded('load', [aRecordedAsset('sales.daily', { partitionKey: '2026-03-29' })]),
      );
      expect(complete!.outputs[0]!.facets!.apphub_partition).toEqual({
        _producer: P,
        _schemaURL: FACET_SCHEMA_URLS.apphub_partition,
        partitionKey: '2026-03-29',
        partitioning: 'timeWindow',
        ...window,
      });
      expect(complete!.outputs[0]!.facets!.version!.datasetVersion).not.toBe(
        derivedEventId(testEventId('x'), 'sales.daily', null),
      );
    });

    it('reads any partition of an input whose partitioning does not fit the run key', () => {
      const staticIngest = aWorkflow('ingest', [
        aStep('fetch', { produces: [{ assetId: 'raw.orders', partitioning: { type: 'static', keys: ['eu', 'us'] } }] }),
      ]);
      const [start] = given([aDefinitionEvent(staticIngest), story.requested(), story.started()]).when(
        story.dispatched('load'),
      );
      expect(start!.inputs[0]!.inputFacets).toBeUndefined();
    });
  });

  describe('failures, retries and cancellation', () => {
    const steps = [aStep('load', { produces: [{ assetId: 'sales.daily' }] }), aStep('publish', { dependsOn: [] })];
    const runId = uuidv7();
    const story = aRunStory({ slug: 'report', runId, steps });
    const history = [story.requested(), story.started()];

    it('fails an attempt with the error, and a retry is a new child run', () => {
      const g = given([...history, story.dispatched('load', 1)]);
      const [fail] = g.when(story.failed('load', 1));
      expect(fail).toMatchObject({ eventType: 'FAIL', run: { runId: stepRunLineageId(runId, 'load', 1) } });
      expect(fail!.run.facets!.errorMessage).toEqual({
        _producer: P,
        _schemaURL: FACET_SCHEMA_URLS.errorMessage,
        message: 'job_error: exit code 3',
        programmingLanguage: 'unknown',
      });
      const [retry] = g.when(story.dispatched('load', 2, '2026-01-15T10:00:08.000Z'));
      expect(retry!.run.runId).toBe(stepRunLineageId(runId, 'load', 2));
      expect(retry!.run.runId).not.toBe(fail!.run.runId);
    });

    it('aborts the attempts still open, then the run, when the run is canceled', () => {
      const g = given([...history, story.dispatched('publish'), story.dispatched('load')]);
      const events = g.when(story.runCanceled());
      expect(events.map((event) => [event.eventType, event.job.name, event.run.runId])).toEqual([
        ['ABORT', 'report.load', stepRunLineageId(runId, 'load', 1)],
        ['ABORT', 'report.publish', stepRunLineageId(runId, 'publish', 1)],
        ['ABORT', 'report', runId],
      ]);
      expect(events.every((event) => event.eventTime === '2026-01-15T10:00:06.000Z')).toBe(true);
    });

    it('fails the run with its error', () => {
      const [fail] = given([...history, story.dispatched('load'), story.failed('load')]).when(story.runFailed());
      expect(fail).toMatchObject({ eventType: 'FAIL', job: { name: 'report' } });
      expect(fail!.run.facets!.errorMessage).toMatchObject({ message: 'step_failed: step "load" failed' });
    });

    it('aborts a run canceled before it started without a START', () => {
      const pending = aRunStory({ slug: 'report', runId: uuidv7(), steps });
      const events = given([pending.requested()]).when(pending.runCanceled());
      expect(events.map((event) => event.eventType)).toEqual(['ABORT']);
    });
  });
});
