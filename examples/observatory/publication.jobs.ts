import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { JobContext, JobOutcome } from '../../src/jobs/job-handler.js';
import { ArtifactWriter, readUpstreamJson, type ExampleOutput } from '../example-output.js';
import type { ExampleJob } from '../example-workflow.js';
import { JobParameters, requirePartitionKey } from '../job-parameters.js';
import { escapeMarkup, htmlPage, htmlTable, markdownTable } from '../rendering/markup.js';
import { lineChartSvg } from '../rendering/svg-chart.js';
import { SENSORS } from './generate-drop.job.js';
import { timestoreDayFolder, type TimestoreMinute } from './ingest.jobs.js';
import { DAY_PARTITIONING, windowOf } from './observatory-partitions.js';

/** The minute series of one day, as the plots step writes it (`series.json`) for the report step. */
interface DaySeries {
  partitionKey: string;
  minutes: TimestoreMinute[];
}

function publicationFolder(output: ExampleOutput, day: string): ArtifactWriter {
  return new ArtifactWriter(output.folder('observatory-daily-publication', day));
}

async function readDay(output: ExampleOutput, day: string): Promise<TimestoreMinute[]> {
  const { start, end } = windowOf(DAY_PARTITIONING, day);
  const folder = timestoreDayFolder(output, day);
  const names = await readdir(folder).catch(() => [] as string[]);
  const minutes = await Promise.all(
    names
      .filter((name) => name.endsWith('.json'))
      .map((name) => readUpstreamJson<TimestoreMinute>(path.join(folder, name), 'observatory-minute-ingest')),
  );
  return minutes
    .filter(
      (minute) => Date.parse(minute.windowStart) >= start.getTime() && Date.parse(minute.windowStart) < end.getTime(),
    )
    .sort((a, b) => a.windowStart.localeCompare(b.windowStart));
}

function plot(
  minutes: readonly TimestoreMinute[],
  metric: 'temperatureC' | 'pm25',
  title: string,
  unit: string,
): string {
  const labels = minutes.map((minute) => minute.windowStart.slice(11, 16));
  const series = SENSORS.map((sensor) => ({
    name: sensor,
    values: minutes.map((minute) => minute.sensors[sensor]?.[metric] ?? null),
  }));
  return lineChartSvg(title, labels, series, unit);
}

async function generatePlots(output: ExampleOutput, context: JobContext): Promise<JobOutcome> {
  const day = requirePartitionKey(context.partitionKey, 'observatory-generate-plots');
  const minutes = await readDay(output, day);
  if (minutes.length === 0)
    throw new Error(`no ingested minutes for ${day}: run observatory-minute-ingest for a minute of that day first`);
  const writer = publicationFolder(output, day);
  await writer.write(
    'temperature.svg',
    plot(minutes, 'temperatureC', `Temperature, ${day} (UTC)`, '°C'),
    'image/svg+xml',
  );
  await writer.write('pm25.svg', plot(minutes, 'pm25', `PM2.5, ${day} (UTC)`, 'µg/m³'), 'image/svg+xml');
  const series: DaySeries = { partitionKey: day, minutes };
  await writer.writeJson('series.json', series);
  const payload = {
    partitionKey: day,
    outputDir: writer.dir,
    minuteCount: minutes.length,
    firstMinute: minutes[0]!.partitionKey,
    lastMinute: minutes[minutes.length - 1]!.partitionKey,
    plots: writer.artifacts,
  };
  return {
    status: 'succeeded',
    result: { files: writer.artifacts, assets: [{ assetId: 'observatory.visualizations.minute', payload }] },
  };
}

async function publishReport(output: ExampleOutput, context: JobContext): Promise<JobOutcome> {
  const day = requirePartitionKey(context.partitionKey, 'observatory-publish-report');
  const pm25Limit = new JobParameters(context.parameters).number('pm25Limit', 25);
  const writer = publicationFolder(output, day);
  const { minutes } = await readUpstreamJson<DaySeries>(
    path.join(writer.dir, 'series.json'),
    'the generate-plots step',
  );
  const latest = minutes[minutes.length - 1];
  const rows = SENSORS.map((sensor) => {
    const reading = latest?.sensors[sensor];
    return [
      sensor,
      reading?.temperatureC ?? '-',
      reading?.pm25 ?? '-',
      reading && reading.pm25 > pm25Limit ? 'warning' : 'ok',
    ];
  });
  const status = rows.some((row) => row[3] === 'warning') ? 'warning' : 'ok';
  const generatedAt = new Date().toISOString();
  const headline = `${minutes.length} minutes ingested; latest ${latest?.partitionKey ?? 'none'}; status ${status} (PM2.5 limit ${pm25Limit}).`;
  await writer.writeJson('status.json', {
    partitionKey: day,
    status,
    generatedAt,
    minuteCount: minutes.length,
    latestMinute: latest?.partitionKey ?? null,
  });
  await writer.write(
    'report.md',
    `# Observatory ${day}\n\n${headline}\n\n${markdownTable(['sensor', '°C', 'PM2.5', 'status'], rows)}\n`,
    'text/markdown',
  );
  const body = [
    `<p class="${status === 'ok' ? 'muted' : 'warning'}">${escapeMarkup(headline)}</p>`,
    htmlTable(['sensor', '°C', 'PM2.5', 'status'], rows),
    '<img src="temperature.svg" alt="temperature">',
    '<img src="pm25.svg" alt="PM2.5">',
  ];
  await writer.write('index.html', htmlPage(`Observatory — ${day}`, body.join('\n')), 'text/html');
  const payload = {
    partitionKey: day,
    status,
    generatedAt,
    minuteCount: minutes.length,
    reportPath: path.join(writer.dir, 'index.html'),
  };
  return {
    status: 'succeeded',
    result: { files: writer.artifacts, assets: [{ assetId: 'observatory.reports.status', payload }] },
  };
}

/** `observatory-generate-plots`: SVG plots of a day's minute series (`observatory.visualizations.minute`). */
export const generatePlotsJob: ExampleJob = {
  jobSlug: 'observatory-generate-plots',
  create: (output) => (context) => generatePlots(output, context),
};

/** `observatory-publish-report`: the day's status page and Markdown report (`observatory.reports.status`). */
export const publishReportJob: ExampleJob = {
  jobSlug: 'observatory-publish-report',
  create: (output) => (context) => publishReport(output, context),
};
