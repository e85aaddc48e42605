/**
 * The example scenarios of the seed (`examples/README.md`): workflow definitions (plain `POST /workflows` bodies)
 * and the in-process jobs their steps dispatch to. Loaded at boot by `src/examples` when `APPHUB_LOAD_EXAMPLES`
 * is true; the jobs write real files under `APPHUB_EXAMPLES_OUTPUT_DIR`.
 */
import { archiveReportJob } from './directory-insights/archive-report.job.js';
import {
  directoryInsightsArchive,
  directoryInsightsReport,
} from './directory-insights/directory-insights.workflows.js';
import { generateVisualizationsJob } from './directory-insights/generate-visualizations.job.js';
import type { ExampleJob, ExampleWorkflow } from './example-workflow.js';
import { fleetTelemetryAlerts, fleetTelemetryDailyRollup } from './fleet-telemetry/fleet-telemetry.workflows.js';
import { telemetryAlertsJob } from './fleet-telemetry/telemetry-alerts.job.js';
import { telemetryRollupJob } from './fleet-telemetry/telemetry-rollup.job.js';
import { generateDropJob } from './observatory/generate-drop.job.js';
import { loadTimestoreJob, normalizeInboxJob } from './observatory/ingest.jobs.js';
import {
  observatoryDailyPublication,
  observatoryMinuteDataGenerator,
  observatoryMinuteIngest,
} from './observatory/observatory.workflows.js';
import { generatePlotsJob, publishReportJob } from './observatory/publication.jobs.js';
import { buildParquetJob, loadPartitionJob } from './retail-sales/ingest.jobs.js';
import { renderReportJob } from './retail-sales/render-report.job.js';
import { retailSalesDailyIngest, retailSalesInsights } from './retail-sales/retail-sales.workflows.js';

export { ExampleOutput } from './example-output.js';
export type { ExampleJob, ExampleStep, ExampleWorkflow } from './example-workflow.js';

/** Every example workflow, producers before their consumers (the order they are registered in). */
export const EXAMPLE_WORKFLOWS: readonly ExampleWorkflow[] = [
  directoryInsightsReport,
  directoryInsightsArchive,
  retailSalesDailyIngest,
  retailSalesInsights,
  fleetTelemetryDailyRollup,
  fleetTelemetryAlerts,
  observatoryMinuteDataGenerator,
  observatoryMinuteIngest,
  observatoryDailyPublication,
];

/** Every in-process job the example workflows dispatch to. */
export const EXAMPLE_JOBS: readonly ExampleJob[] = [
  generateVisualizationsJob,
  archiveReportJob,
  loadPartitionJob,
  buildParquetJob,
  renderReportJob,
  telemetryRollupJob,
  telemetryAlertsJob,
  generateDropJob,
  normalizeInboxJob,
  loadTimestoreJob,
  generatePlotsJob,
  publishReportJob,
];
