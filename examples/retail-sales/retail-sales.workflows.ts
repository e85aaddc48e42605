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

/** Day-partitioned ingest: synthetic sales as CSV (`retail.sales.raw`), then a columnar file (`retail.sales.parquet`). */
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
      produces: [{ assetId: 'retail.sales.parquet', schema: partitioned, partitioning: RETAIL_DAY_PARTITIONING }],
    },
  ],
};

/** Re-renders a day's dashboard whenever that day's `retail.sales.parquet` is produced (priority 4). */
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
