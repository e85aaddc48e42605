import type { DynamicPartitioning } from '../../src/partitions/index.js';
import type { ExampleWorkflow } from '../example-workflow.js';
import { DEFAULT_INSTRUMENTS } from './telemetry-rollup.job.js';

/** One partition per instrument id, discovered as instruments report. */
export const INSTRUMENT_PARTITIONING: DynamicPartitioning = { type: 'dynamic', maxKeys: 1000, retentionDays: 120 };

const instrumentPayload = {
  type: 'object',
  properties: { instrumentId: { type: 'string' } },
  required: ['instrumentId'],
};

/**
 * Rolls up a day of readings per instrument; the job reports one `greenhouse.telemetry.instrument` asset per
 * instrument with `partitionKey = instrumentId`. The run's key (required: the asset is partitioned) names one
 * instrument to refresh, or labels the batch (a `YYYY-MM-DD` key is the day to roll up).
 */
export const fleetTelemetryDailyRollup: ExampleWorkflow = {
  slug: 'fleet-telemetry-daily-rollup',
  name: 'Fleet telemetry daily rollup',
  description: 'Rolls up hourly greenhouse readings per instrument; each instrument is a dynamic partition.',
  defaultParameters: { instruments: DEFAULT_INSTRUMENTS },
  steps: [
    {
      id: 'compute-telemetry',
      name: 'Compute telemetry',
      jobSlug: 'fleet-telemetry-compute',
      produces: [
        {
          assetId: 'greenhouse.telemetry.instrument',
          schema: instrumentPayload,
          freshness: { ttlMs: 86400000 },
          partitioning: INSTRUMENT_PARTITIONING,
        },
      ],
    },
  ],
};

/** Re-scans an instrument for threshold breaches whenever its telemetry partition is produced (priority 6). */
export const fleetTelemetryAlerts: ExampleWorkflow = {
  slug: 'fleet-telemetry-alerts',
  name: 'Fleet telemetry alerts',
  description: 'Checks the newest rollup of one instrument against temperature, humidity and CO2 thresholds.',
  defaultParameters: { windowHours: 24 },
  steps: [
    {
      id: 'scan-instruments',
      name: 'Scan instrument',
      jobSlug: 'fleet-telemetry-scan-alerts',
      consumes: [{ assetId: 'greenhouse.telemetry.instrument' }],
      produces: [
        {
          assetId: 'greenhouse.telemetry.alerts',
          schema: instrumentPayload,
          partitioning: INSTRUMENT_PARTITIONING,
          autoMaterialize: { onUpstreamUpdate: true, priority: 6, parameterDefaults: { windowHours: 24 } },
        },
      ],
    },
  ],
};
