import type { ExampleWorkflow } from '../example-workflow.js';
import { DAY_PARTITIONING, INBOX_PARTITIONING, MINUTE_PARTITIONING } from './observatory-partitions.js';

const keyed = { type: 'object', properties: { partitionKey: { type: 'string' } }, required: ['partitionKey'] };

/** Writes a synthetic instrument drop per minute (`observatory.inbox.synthetic`). */
export const observatoryMinuteDataGenerator: ExampleWorkflow = {
  slug: 'observatory-minute-data-generator',
  name: 'Observatory minute data generator',
  description: 'Generates a deterministic CSV drop of three sensors for one minute.',
  steps: [
    {
      id: 'generate-drop',
      name: 'Generate drop',
      jobSlug: 'observatory-generate-drop',
      produces: [{ assetId: 'observatory.inbox.synthetic', schema: keyed, partitioning: INBOX_PARTITIONING }],
    },
  ],
};

/**
 * Normalizes a minute's drop and loads it into the timestore. The timestore minute lives 60 s (`ttlMs`); its
 * policy re-runs the minute's ingest on expiry while the minute is in lookback (3 windows), then expiries are
 * skipped as `outside_lookback`. Consuming the inbox makes a run for a minute without a drop wait for the
 * generator (DESIGN §6), which is requested for that minute.
 */
export const observatoryMinuteIngest: ExampleWorkflow = {
  slug: 'observatory-minute-ingest',
  name: 'Observatory minute ingest',
  description: 'Normalizes a minute of instrument data and loads per-sensor means into the timestore.',
  steps: [
    {
      id: 'normalize-inbox',
      name: 'Normalize inbox',
      jobSlug: 'observatory-normalize-inbox',
      consumes: [{ assetId: 'observatory.inbox.synthetic' }],
      produces: [{ assetId: 'observatory.timeseries.raw', schema: keyed, partitioning: MINUTE_PARTITIONING }],
    },
    {
      id: 'load-timestore',
      name: 'Load timestore',
      jobSlug: 'observatory-load-timestore',
      dependsOn: ['normalize-inbox'],
      consumes: [{ assetId: 'observatory.timeseries.raw' }],
      produces: [
        {
          assetId: 'observatory.timeseries.timestore',
          schema: keyed,
          partitioning: MINUTE_PARTITIONING,
          freshness: { ttlMs: 60000 },
          autoMaterialize: { onUpstreamUpdate: true, priority: 5 },
        },
      ],
    },
  ],
};

/**
 * Publishes a day: plots of the minute series, then a status report. Each produced timestore minute re-runs the
 * publication of the day containing it (minute → day mapping; runs in flight coalesce). The plots are marked
 * stale after a day (`maxAgeMs`) rather than expired (see examples/README.md).
 */
export const observatoryDailyPublication: ExampleWorkflow = {
  slug: 'observatory-daily-publication',
  name: 'Observatory daily publication',
  description: 'Plots a day of minute data (SVG) and publishes an HTML/Markdown status report.',
  defaultParameters: { pm25Limit: 25 },
  steps: [
    {
      id: 'generate-plots',
      name: 'Generate plots',
      jobSlug: 'observatory-generate-plots',
      consumes: [{ assetId: 'observatory.timeseries.timestore' }],
      produces: [
        {
          assetId: 'observatory.visualizations.minute',
          schema: keyed,
          partitioning: DAY_PARTITIONING,
          freshness: { maxAgeMs: 86400000 },
          autoMaterialize: { onUpstreamUpdate: true, priority: 6 },
        },
      ],
    },
    {
      id: 'publish-report',
      name: 'Publish report',
      jobSlug: 'observatory-publish-report',
      dependsOn: ['generate-plots'],
      consumes: [{ assetId: 'observatory.visualizations.minute' }],
      produces: [
        {
          assetId: 'observatory.reports.status',
          schema: keyed,
          partitioning: DAY_PARTITIONING,
          autoMaterialize: { onUpstreamUpdate: true, priority: 7 },
        },
      ],
    },
  ],
};
