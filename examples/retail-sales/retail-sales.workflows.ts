import type { TimeWindowPartitioning } from '../../src/partitions/index.js';
import type { ExampleWorkflow } from '../example-workflow.js';

/** One partition per UTC day, keyed `YYYY-MM-DD`; the last 30 days are listed and refreshed on expiry. */
export const RETAIL_DAY_PARTITIONING: TimeWindowPartitioning = {
  type: 'timeWindow',
  granularity: 'day',
  format: 'YYYY-MM-DD',
  lookbackWindows: 30,
};

const partitioned = { type: 'object', properties: { partitionKey: { type: 'string' } }, required: ['partitionKey'] };

const DAY_MS = 86_400_000;

/**
 * The gate of the insights report (issue 20): a day's columnar file is fresh for a day after its export. It fails
 * when it arrives older than that (a stale export, `exportedAt`) and when it expires; being blocking, a failure
 * stops the report's automatic renders of that day (upstream update, backfill) until a fresh file passes.
 */
export const FRESH_PARTITION = {
  name: 'fresh-partition',
  description: "The day's columnar file is younger than a day; the insights report only renders from a fresh one.",
  severity: 'error',
  blocking: true,
  freshness: {},
} as const;

/**
 * Day-partitioned ingest: synthetic sales as CSV (`retail.sales.raw`), then a columnar file (`retail.sales.parquet`)
 * that must be fresh (`fresh-partition`, blocking) for the insights report to render from it.
 */
export const retailSalesDailyIngest: ExampleWorkflow = {
  slug: 'retail-sales-daily-ingest',
  name: 'Retail sales daily ingest',
  description: 'Generates deterministic synthetic sales for the partition day and converts them to a columnar file.',
  defaultParameters: { ordersPerDay: 120 },
  steps: [
    {
      id: 'load-partition',
      name: 'Load partition',
      jobSlug: 'retail-sales-load-partition',
      produces: [{ assetId: 'retail.sales.raw', schema: partitioned, partitioning: RETAIL_DAY_PARTITIONING }],
    },
    {
      id: 'build-parquet',
      name: 'Build columnar file',
      jobSlug: 'retail-sales-build-parquet',
      dependsOn: ['load-partition'],
      consumes: [{ assetId: 'retail.sales.raw' }],
      produces: [
        {
          assetId: 'retail.sales.parquet',
          schema: partitioned,
          partitioning: RETAIL_DAY_PARTITIONING,
          freshness: { ttlMs: DAY_MS },
          checks: [FRESH_PARTITION],
        },
      ],
    },
  ],
};

/**
 * Re-renders a day's dashboard whenever that day's `retail.sales.parquet` is produced (priority 4) and passed its
 * `fresh-partition` check: a stale parquet partition gates the report (`blocked-by-check`).
 */
export const retailSalesInsights: ExampleWorkflow = {
  slug: 'retail-sales-insights',
  name: 'Retail sales insights',
  description: 'Renders SVG plots and an HTML dashboard for one day of sales.',
  steps: [
    {
      id: 'render-report',
      name: 'Render report',
      jobSlug: 'retail-sales-render-report',
      consumes: [{ assetId: 'retail.sales.parquet' }],
      produces: [
        {
          assetId: 'retail.sales.report',
          schema: partitioned,
          partitioning: RETAIL_DAY_PARTITIONING,
          autoMaterialize: { onUpstreamUpdate: true, priority: 4 },
        },
      ],
    },
  ],
};
