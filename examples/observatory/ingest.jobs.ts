import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { JobContext, JobOutcome } from '../../src/jobs/job-handler.js';
import { ArtifactWriter, folderName, readUpstreamJson, type ExampleOutput } from '../example-output.js';
import type { ExampleJob } from '../example-workflow.js';
import { requirePartitionKey } from '../job-parameters.js';
import { round } from '../synthetic-random.js';
import { dropFolder } from './generate-drop.job.js';
import { MINUTE_PARTITIONING, windowOf } from './observatory-partitions.js';

/** One normalized reading. */
export interface ObservatoryReading {
  sensor: string;
  at: string;
  temperatureC: number;
  pm25: number;
  windMs: number;
}

/** One minute in the timestore: per-sensor means. */
export interface TimestoreMinute {
  partitionKey: string;
  windowStart: string;
  sensors: Record<string, { temperatureC: number; pm25: number; windMs: number; samples: number }>;
}

/** The timestore folder of a UTC day: one JSON file per ingested minute. */
export function timestoreDayFolder(output: ExampleOutput, day: string): string {
  return output.folder('observatory-minute-ingest', 'timestore', day);
}

function parseDrop(text: string, start: Date, end: Date): { rows: ObservatoryReading[]; rejected: number } {
  const rows: ObservatoryReading[] = [];
  let rejected = 0;
  for (const line of text.trim().split('\n').slice(1)) {
    const [sensor, at, temperatureC, pm25, windMs] = line.split(',');
    const reading = {
      sensor: sensor ?? '',
      at: at ?? '',
      temperatureC: Number(temperatureC),
      pm25: Number(pm25),
      windMs: Number(windMs),
    };
    const time = Date.parse(reading.at);
    const valid =
      reading.sensor !== '' &&
      time >= start.getTime() &&
      time < end.getTime() &&
      [reading.temperatureC, reading.pm25, reading.windMs].every(Number.isFinite);
    if (valid) rows.push(reading);
    else rejected++;
  }
  return { rows, rejected };
}

async function normalizeInbox(output: ExampleOutput, context: JobContext): Promise<JobOutcome> {
  const minute = requirePartitionKey(context.partitionKey, 'observatory-normalize-inbox');
  const { start, end } = windowOf(MINUTE_PARTITIONING, minute);
  const dropFile = path.join(dropFolder(output, minute), 'drop.csv');
  const text = await readFile(dropFile, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw error.code === 'ENOENT'
      ? new Error(`${dropFile} does not exist: run observatory-minute-data-generator for ${minute} first`)
      : error;
  });
  const { rows, rejected } = parseDrop(text, start, end);
  const writer = new ArtifactWriter(output.folder('observatory-minute-ingest', minute));
  await writer.writeJson('raw.json', {
    partitionKey: minute,
    windowStart: start.toISOString(),
    windowEnd: end.toISOString(),
    rows,
  });
  const payload = { partitionKey: minute, path: path.join(writer.dir, 'raw.json'), rowCount: rows.length, rejected };
  return {
    status: 'succeeded',
    result: { files: writer.artifacts, assets: [{ assetId: 'observatory.timeseries.raw', payload }] },
  };
}

function sensorMeans(rows: readonly ObservatoryReading[]): TimestoreMinute['sensors'] {
  const sums = new Map<string, { temperatureC: number; pm25: number; windMs: number; samples: number }>();
  for (const row of rows) {
    const sum = sums.get(row.sensor) ?? { temperatureC: 0, pm25: 0, windMs: 0, samples: 0 };
    sum.temperatureC += row.temperatureC;
    sum.pm25 += row.pm25;
    sum.windMs += row.windMs;
    sum.samples += 1;
    sums.set(row.sensor, sum);
  }
  return Object.fromEntries(
    [...sums.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([sensor, s]) => [
        sensor,
        {
          temperatureC: round(s.temperatureC / s.samples),
          pm25: round(s.pm25 / s.samples),
          windMs: round(s.windMs / s.samples),
          samples: s.samples,
        },
      ]),
  );
}

async function loadTimestore(output: ExampleOutput, context: JobContext): Promise<JobOutcome> {
  const minute = requirePartitionKey(context.partitionKey, 'observatory-load-timestore');
  const raw = await readUpstreamJson<{ windowStart: string; rows: ObservatoryReading[] }>(
    path.join(output.folder('observatory-minute-ingest', minute), 'raw.json'),
    'the normalize-inbox step',
  );
  const entry: TimestoreMinute = { partitionKey: minute, windowStart: raw.windowStart, sensors: sensorMeans(raw.rows) };
  const writer = new ArtifactWriter(timestoreDayFolder(output, raw.windowStart.slice(0, 10)));
  await writer.writeJson(`${folderName(minute)}.json`, entry);
  const payload = {
    partitionKey: minute,
    windowStart: raw.windowStart,
    path: path.join(writer.dir, `${folderName(minute)}.json`),
    sensorCount: Object.keys(entry.sensors).length,
    rowCount: raw.rows.length,
  };
  return {
    status: 'succeeded',
    result: { files: writer.artifacts, assets: [{ assetId: 'observatory.timeseries.timestore', payload }] },
  };
}

/** `observatory-normalize-inbox`: validates a minute's drop and writes it as JSON (`observatory.timeseries.raw`). */
export const normalizeInboxJob: ExampleJob = {
  jobSlug: 'observatory-normalize-inbox',
  create: (output) => (context) => normalizeInbox(output, context),
};

/** `observatory-load-timestore`: per-sensor minute means into the day's timestore (`observatory.timeseries.timestore`). */
export const loadTimestoreJob: ExampleJob = {
  jobSlug: 'observatory-load-timestore',
  create: (output) => (context) => loadTimestore(output, context),
};
