import path from 'node:path';
import type { JobContext, JobOutcome } from '../../src/jobs/job-handler.js';
import { ArtifactWriter, readUpstreamJson, type ExampleOutput } from '../example-output.js';
import type { ExampleJob } from '../example-workflow.js';
import { JobParameters, requirePartitionKey } from '../job-parameters.js';
import { markdownTable } from '../rendering/markup.js';
import {
  instrumentFolder,
  LATEST_ROLLUP_FILE,
  type TelemetryReading,
  type TelemetryRollup,
} from './telemetry-rollup.job.js';

/** One threshold breach. */
export interface TelemetryAlert {
  at: string;
  metric: 'temperatureC' | 'humidityPct' | 'co2Ppm';
  value: number;
  threshold: number;
  rule: 'above' | 'below';
}

interface Thresholds {
  temperatureMaxC: number;
  humidityMinPct: number;
  co2MaxPpm: number;
}

function breaches(reading: TelemetryReading, limits: Thresholds): TelemetryAlert[] {
  const found: TelemetryAlert[] = [];
  if (reading.temperatureC > limits.temperatureMaxC)
    found.push({
      at: reading.at,
      metric: 'temperatureC',
      value: reading.temperatureC,
      threshold: limits.temperatureMaxC,
      rule: 'above',
    });
  if (reading.humidityPct < limits.humidityMinPct)
    found.push({
      at: reading.at,
      metric: 'humidityPct',
      value: reading.humidityPct,
      threshold: limits.humidityMinPct,
      rule: 'below',
    });
  if (reading.co2Ppm > limits.co2MaxPpm)
    found.push({ at: reading.at, metric: 'co2Ppm', value: reading.co2Ppm, threshold: limits.co2MaxPpm, rule: 'above' });
  return found;
}

async function scanInstrument(output: ExampleOutput, context: JobContext): Promise<JobOutcome> {
  const instrumentId = requirePartitionKey(context.partitionKey, 'fleet-telemetry-scan-alerts');
  const parameters = new JobParameters(context.parameters);
  const windowHours = parameters.integer('windowHours', 24, 1, 24);
  const limits: Thresholds = {
    temperatureMaxC: parameters.number('temperatureMaxC', 30),
    humidityMinPct: parameters.number('humidityMinPct', 40),
    co2MaxPpm: parameters.number('co2MaxPpm', 1200),
  };
  const rollup = await readUpstreamJson<TelemetryRollup>(
    path.join(instrumentFolder(output, instrumentId), LATEST_ROLLUP_FILE),
    `fleet-telemetry-daily-rollup for ${instrumentId}`,
  );
  const window = rollup.readings.slice(-windowHours);
  const alerts = window.flatMap((reading) => breaches(reading, limits));
  const evaluatedAt = new Date().toISOString();
  const writer = new ArtifactWriter(output.folder('fleet-telemetry-alerts', instrumentId));
  const report = { instrumentId, sourceDay: rollup.day, windowHours, thresholds: limits, evaluatedAt, alerts };
  await writer.writeJson('alerts.json', report);
  const summary =
    alerts.length === 0
      ? 'No thresholds breached.'
      : markdownTable(
          ['at', 'metric', 'value', 'rule', 'threshold'],
          alerts.map((a) => [a.at, a.metric, a.value, a.rule, a.threshold]),
        );
  await writer.write(
    'alerts.md',
    `# Alerts for ${instrumentId}\n\nDay ${rollup.day}, last ${windowHours} h, evaluated ${evaluatedAt}.\n\n${summary}\n`,
    'text/markdown',
  );
  const payload = {
    instrumentId,
    sourceDay: rollup.day,
    windowHours,
    evaluatedAt,
    status: alerts.length === 0 ? 'ok' : 'alerting',
    alertCount: alerts.length,
    alerts: alerts.slice(0, 24),
  };
  return {
    status: 'succeeded',
    result: {
      files: writer.artifacts,
      assets: [{ assetId: 'greenhouse.telemetry.alerts', partitionKey: instrumentId, payload }],
    },
  };
}

/** `fleet-telemetry-scan-alerts`: checks one instrument's newest rollup against thresholds. */
export const telemetryAlertsJob: ExampleJob = {
  jobSlug: 'fleet-telemetry-scan-alerts',
  create: (output) => (context) => scanInstrument(output, context),
};
