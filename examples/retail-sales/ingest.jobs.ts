import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { JobContext, JobOutcome } from '../../src/jobs/job-handler.js';
import { ArtifactWriter, type ExampleOutput } from '../example-output.js';
import type { ExampleJob } from '../example-workflow.js';
import { JobParameters, requirePartitionKey } from '../job-parameters.js';
import { round } from '../synthetic-random.js';
import { parseSalesCsv, revenueBy, SALE_COLUMNS, salesCsv, syntheticSales, type SaleRow } from './synthetic-sales.js';

/** The ingest workflow's folder for one day; the insights job reads the columnar file from here. */
export function ingestFolder(output: ExampleOutput, day: string): string {
  return output.folder('retail-sales-daily-ingest', day);
}

/** File names inside a day's ingest folder. */
export const RAW_FILE = 'sales-raw.csv';
export const COLUMNAR_FILE = 'sales.columnar.json';

/** The "parquet" of the example: a columnar JSON file (one array per column), no parquet library needed. */
export interface ColumnarSales {
  format: 'columnar-json';
  partitionKey: string;
  rowCount: number;
  schema: Array<{ name: string; type: 'string' | 'number' }>;
  columns: Record<(typeof SALE_COLUMNS)[number], Array<string | number>>;
}

const total = (rows: readonly SaleRow[]) => round(rows.reduce((sum, row) => sum + row.revenue, 0));

async function loadPartition(output: ExampleOutput, context: JobContext): Promise<JobOutcome> {
  const day = requirePartitionKey(context.partitionKey, 'retail-sales-load-partition');
  const count = new JobParameters(context.parameters).integer('ordersPerDay', 120, 1, 100000);
  const rows = syntheticSales(day, count);
  const writer = new ArtifactWriter(ingestFolder(output, day));
  await writer.write(RAW_FILE, salesCsv(rows), 'text/csv');
  const payload = {
    partitionKey: day,
    path: path.join(writer.dir, RAW_FILE),
    rowCount: rows.length,
    totalRevenue: total(rows),
  };
  return {
    status: 'succeeded',
    result: { files: writer.artifacts, assets: [{ assetId: 'retail.sales.raw', payload }] },
  };
}

async function buildParquet(output: ExampleOutput, context: JobContext): Promise<JobOutcome> {
  const day = requirePartitionKey(context.partitionKey, 'retail-sales-build-parquet');
  const writer = new ArtifactWriter(ingestFolder(output, day));
  const rows = parseSalesCsv(await readFile(path.join(writer.dir, RAW_FILE), 'utf8'));
  const numeric = new Set<string>(['quantity', 'unitPrice', 'revenue']);
  const columnar: ColumnarSales = {
    format: 'columnar-json',
    partitionKey: day,
    rowCount: rows.length,
    schema: SALE_COLUMNS.map((name) => ({ name, type: numeric.has(name) ? 'number' : 'string' })),
    columns: Object.fromEntries(
      SALE_COLUMNS.map((name) => [name, rows.map((row) => row[name])]),
    ) as ColumnarSales['columns'],
  };
  await writer.writeJson(COLUMNAR_FILE, columnar);
  const payload = {
    partitionKey: day,
    path: path.join(writer.dir, COLUMNAR_FILE),
    format: columnar.format,
    rowCount: rows.length,
    columns: [...SALE_COLUMNS],
    totalRevenue: total(rows),
    revenueByCategory: Object.fromEntries(revenueBy(rows, 'category').map(({ label, value }) => [label, value])),
  };
  // When the source system exported the day (default: now): the parquet's producedAt, so a stale export fails the
  // asset's `fresh-partition` check and the insights report is not rendered from it.
  const exportedAt = exportTime(new JobParameters(context.parameters).optionalString('exportedAt'));
  return {
    status: 'succeeded',
    result: {
      files: writer.artifacts,
      assets: [{ assetId: 'retail.sales.parquet', payload, ...(exportedAt ? { producedAt: exportedAt } : {}) }],
    },
  };
}

function exportTime(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(Date.parse(value)))
    throw new Error('parameter "exportedAt" must be an ISO-8601 date-time');
  return new Date(value).toISOString();
}

/** `retail-sales-load-partition`: writes the day's synthetic sales as CSV (`retail.sales.raw`). */
export const loadPartitionJob: ExampleJob = {
  jobSlug: 'retail-sales-load-partition',
  create: (output) => (context) => loadPartition(output, context),
};

/** `retail-sales-build-parquet`: turns the day's CSV into the columnar file (`retail.sales.parquet`). */
export const buildParquetJob: ExampleJob = {
  jobSlug: 'retail-sales-build-parquet',
  create: (output) => (context) => buildParquet(output, context),
};
