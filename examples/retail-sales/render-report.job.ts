import path from 'node:path';
import type { JobContext, JobOutcome } from '../../src/jobs/job-handler.js';
import { ArtifactWriter, readUpstreamJson, type ExampleOutput } from '../example-output.js';
import type { ExampleJob } from '../example-workflow.js';
import { requirePartitionKey } from '../job-parameters.js';
import { htmlPage, htmlTable } from '../rendering/markup.js';
import { barChartSvg, lineChartSvg } from '../rendering/svg-chart.js';
import { round } from '../synthetic-random.js';
import { COLUMNAR_FILE, ingestFolder, type ColumnarSales } from './ingest.jobs.js';
import { revenueBy, type SaleRow } from './synthetic-sales.js';

function rowsOf(columnar: ColumnarSales): SaleRow[] {
  const { columns } = columnar;
  return columns.orderId.map((_, index) => ({
    orderId: String(columns.orderId[index]),
    orderedAt: String(columns.orderedAt[index]),
    store: String(columns.store[index]),
    category: String(columns.category[index]),
    sku: String(columns.sku[index]),
    quantity: Number(columns.quantity[index]),
    unitPrice: Number(columns.unitPrice[index]),
    revenue: Number(columns.revenue[index]),
  }));
}

function revenueByHour(rows: readonly SaleRow[]): number[] {
  const hours = Array.from({ length: 24 }, () => 0);
  for (const row of rows) hours[new Date(row.orderedAt).getUTCHours()]! += row.revenue;
  return hours.map((value) => round(value));
}

async function renderReport(output: ExampleOutput, context: JobContext): Promise<JobOutcome> {
  const day = requirePartitionKey(context.partitionKey, 'retail-sales-render-report');
  const columnar = await readUpstreamJson<ColumnarSales>(
    path.join(ingestFolder(output, day), COLUMNAR_FILE),
    `retail-sales-daily-ingest for ${day}`,
  );
  const rows = rowsOf(columnar);
  const byCategory = revenueBy(rows, 'category');
  const byStore = revenueBy(rows, 'store');
  const hourly = revenueByHour(rows);
  const totalRevenue = round(rows.reduce((sum, row) => sum + row.revenue, 0));
  const writer = new ArtifactWriter(output.folder('retail-sales-insights', day));
  const categoryPlot = barChartSvg(`Revenue by category, ${day}`, byCategory, 'revenue');
  const hourlyPlot = lineChartSvg(
    `Revenue by hour (UTC), ${day}`,
    hourly.map((_, hour) => `${String(hour).padStart(2, '0')}h`),
    [{ name: 'revenue', values: hourly }],
    'revenue',
  );
  await writer.write('revenue-by-category.svg', categoryPlot, 'image/svg+xml');
  await writer.write('revenue-by-hour.svg', hourlyPlot, 'image/svg+xml');
  const metrics = {
    partitionKey: day,
    orderCount: rows.length,
    totalRevenue,
    byCategory,
    byStore,
    revenueByHour: hourly,
  };
  await writer.writeJson('metrics.json', metrics);
  const dashboard = htmlPage(
    `Retail sales — ${day}`,
    [
      htmlTable(
        ['orders', 'revenue', 'top category', 'top store'],
        [[rows.length, totalRevenue.toFixed(2), byCategory[0]?.label ?? '-', byStore[0]?.label ?? '-']],
      ),
      categoryPlot,
      hourlyPlot,
      '<h2>By store</h2>',
      htmlTable(
        ['store', 'revenue'],
        byStore.map(({ label, value }) => [label, value.toFixed(2)]),
      ),
    ].join('\n'),
  );
  await writer.write('index.html', dashboard, 'text/html');
  const payload = {
    partitionKey: day,
    outputDir: writer.dir,
    orderCount: rows.length,
    totalRevenue,
    topCategory: byCategory[0]?.label ?? null,
    topStore: byStore[0]?.label ?? null,
    artifacts: writer.artifacts,
  };
  return {
    status: 'succeeded',
    result: { files: writer.artifacts, assets: [{ assetId: 'retail.sales.report', payload }] },
  };
}

/** `retail-sales-render-report`: SVG plots and an HTML dashboard of one day's sales (`retail.sales.report`). */
export const renderReportJob: ExampleJob = {
  jobSlug: 'retail-sales-render-report',
  create: (output) => (context) => renderReport(output, context),
};
