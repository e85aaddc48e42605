import path from 'node:path';
import type { JobContext, JobOutcome } from '../../src/jobs/job-handler.js';
import { ArtifactWriter, type ExampleOutput } from '../example-output.js';
import type { ExampleJob } from '../example-workflow.js';
import { JobParameters } from '../job-parameters.js';
import { round, syntheticRandom } from '../synthetic-random.js';

/** The instruments rolled up when the run names none. */
export const DEFAULT_INSTRUMENTS = ['instrument_A', 'instrument_B', 'instrument_C'];

/** The file in an instrument's folder that always holds its newest rollup (read by the alerts job). */
export const LATEST_ROLLUP_FILE = 'latest.json';

/** One hourly reading of a greenhouse instrument. */
export interface TelemetryReading {
  at: string;
  temperatureC: number;
  humidityPct: number;
  co2Ppm: number;
}

/** A day of one instrument's readings with aggregates. */
export interface TelemetryRollup {
  instrumentId: string;
  day: string;
  readings: TelemetryReading[];
  aggregates: Record<'temperatureC' | 'humidityPct' | 'co2Ppm', { min: number; max: number; mean: number }>;
}

/** The instrument folder of the rollup workflow. */
export function instrumentFolder(output: ExampleOutput, instrumentId: string): string {
  return output.folder('fleet-telemetry-daily-rollup', instrumentId);
}

/** Deterministic hourly readings: instrument_B runs hot in the afternoon, so alerts have something to find. */
export function syntheticReadings(instrumentId: string, day: string): TelemetryReading[] {
  const random = syntheticRandom(`telemetry:${instrumentId}:${day}`);
  const start = Date.parse(`${day}T00:00:00.000Z`);
  const hot = instrumentId.endsWith('_B') ? 7 : 0;
  return Array.from({ length: 24 }, (_, hour) => {
    const daylight = Math.sin(((hour - 6) / 24) * 2 * Math.PI);
    return {
      at: new Date(start + hour * 3_600_000).toISOString(),
      temperatureC: round(random.around(22 + 4 * daylight + (hour >= 12 && hour <= 16 ? hot : 0), 1.5), 1),
      humidityPct: round(random.around(60 - 10 * daylight, 6), 1),
      co2Ppm: Math.round(random.around(750 + 250 * daylight, 120)),
    };
  });
}

function aggregate(readings: readonly TelemetryReading[], metric: 'temperatureC' | 'humidityPct' | 'co2Ppm') {
  const values = readings.map((reading) => reading[metric]);
  return {
    min: Math.min(...values),
    max: Math.max(...values),
    mean: round(values.reduce((a, b) => a + b, 0) / values.length, 1),
  };
}

/** The run's key names one instrument (refresh just it) or labels a batch of all; a `YYYY-MM-DD` key is the day. */
function selection(parameters: JobParameters, partitionKey: string | null): { instruments: string[]; day: string } {
  const instruments = parameters.strings('instruments', DEFAULT_INSTRUMENTS);
  const keyIsDay = partitionKey !== null && /^\d{4}-\d{2}-\d{2}$/.test(partitionKey);
  const day = parameters.optionalString('day') ?? (keyIsDay ? partitionKey : new Date().toISOString().slice(0, 10));
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(Date.parse(day)))
    throw new Error(`day "${day}" must be a YYYY-MM-DD date`);
  return {
    instruments: partitionKey !== null && instruments.includes(partitionKey) ? [partitionKey] : instruments,
    day,
  };
}

async function rollUp(output: ExampleOutput, context: JobContext): Promise<JobOutcome> {
  const { instruments, day } = selection(new JobParameters(context.parameters), context.partitionKey);
  const files: Array<{ instrumentId: string; relativePath: string; sizeBytes: number }> = [];
  const assets: Array<{ assetId: string; partitionKey: string; payload: unknown }> = [];
  for (const instrumentId of instruments) {
    const readings = syntheticReadings(instrumentId, day);
    const rollup: TelemetryRollup = {
      instrumentId,
      day,
      readings,
      aggregates: {
        temperatureC: aggregate(readings, 'temperatureC'),
        humidityPct: aggregate(readings, 'humidityPct'),
        co2Ppm: aggregate(readings, 'co2Ppm'),
      },
    };
    const writer = new ArtifactWriter(instrumentFolder(output, instrumentId));
    await writer.writeJson(`${day}.json`, rollup);
    await writer.write(
      `${day}.csv`,
      [
        'at,temperatureC,humidityPct,co2Ppm',
        ...readings.map((r) => `${r.at},${r.temperatureC},${r.humidityPct},${r.co2Ppm}`),
      ].join('\n') + '\n',
      'text/csv',
    );
    await writer.writeJson(LATEST_ROLLUP_FILE, rollup);
    files.push(...writer.artifacts.map((artifact) => ({ instrumentId, ...artifact })));
    const payload = {
      instrumentId,
      day,
      readingCount: readings.length,
      ...rollup.aggregates,
      rollupPath: path.join(writer.dir, `${day}.json`),
    };
    assets.push({ assetId: 'greenhouse.telemetry.instrument', partitionKey: instrumentId, payload });
  }
  context.log.info({ day, instruments }, 'telemetry rolled up');
  return { status: 'succeeded', result: { files, assets } };
}

/** `fleet-telemetry-compute`: one rollup per instrument, each recorded as its own dynamic partition. */
export const telemetryRollupJob: ExampleJob = {
  jobSlug: 'fleet-telemetry-compute',
  create: (output) => (context) => rollUp(output, context),
};
