import type { ExampleWorkflow } from '../example-workflow.js';

const REPORT_ARTIFACTS = [
  { relativePath: 'scan-data.json' },
  { relativePath: 'index.html' },
  { relativePath: 'summary.md' },
];

/** The archive job's inputs: where archives go, and which report files to bundle (relative to the output folder). */
const ARCHIVE_PARAMETERS = {
  archiveDir: 'directory-insights-archive',
  reportAsset: { assetId: 'directory.insights.report', artifacts: REPORT_ARTIFACTS },
};

/**
 * The seed's report: scans a folder and produces `directory.insights.report` (1 h TTL). Unlike the seed it does
 * not consume `directory.insights.archive`: that would make every report run wait for an archive that can only
 * be built from a report (see examples/README.md).
 */
export const directoryInsightsReport: ExampleWorkflow = {
  slug: 'directory-insights-report',
  name: 'Directory insights report',
  description:
    'Scans a folder (default: the examples folder) and writes scan-data.json, summary.md and index.html with an SVG chart.',
  defaultParameters: { maxEntries: 20000, reportTitle: 'Directory Insights' },
  parametersSchema: {
    type: 'object',
    properties: {
      scanDir: { type: 'string', minLength: 1 },
      maxEntries: { type: 'integer', minimum: 1, maximum: 20000 },
      maxDepth: { type: 'integer', minimum: 1, maximum: 32 },
      reportTitle: { type: 'string', minLength: 1 },
    },
  },
  steps: [
    {
      id: 'report',
      name: 'Generate visualizations',
      jobSlug: 'generate-visualizations',
      produces: [
        {
          assetId: 'directory.insights.report',
          schema: {
            type: 'object',
            properties: {
              outputDir: { type: 'string' },
              reportTitle: { type: 'string' },
              generatedAt: { type: 'string', format: 'date-time' },
              scanDir: { type: 'string' },
              fileCount: { type: 'integer', minimum: 0 },
              totalBytes: { type: 'integer', minimum: 0 },
              artifacts: { type: 'array', items: { type: 'object' } },
            },
            required: ['outputDir', 'reportTitle', 'generatedAt', 'artifacts'],
          },
          freshness: { ttlMs: 3600000 },
          checks: [
            {
              name: 'has-files',
              description: 'The scan found at least one file; an empty report is not archived.',
              severity: 'error',
              blocking: true,
              payloadSchema: { type: 'object', required: ['fileCount'], properties: { fileCount: { minimum: 1 } } },
            },
            {
              name: 'complete-scan',
              description: 'The scan stayed within maxEntries and maxDepth (reported by the job).',
              severity: 'warn',
            },
          ],
        },
      ],
    },
  ],
};

/** Bundles the newest report whenever `directory.insights.report` is produced (auto-materialized, priority 5). */
export const directoryInsightsArchive: ExampleWorkflow = {
  slug: 'directory-insights-archive',
  name: 'Directory insights archive',
  description: 'Archives the newest directory insights report into a .tar.gz with a manifest.',
  defaultParameters: ARCHIVE_PARAMETERS,
  steps: [
    {
      id: 'zip-report',
      name: 'Archive report',
      jobSlug: 'archive-directory-report',
      consumes: [{ assetId: 'directory.insights.report' }],
      produces: [
        {
          assetId: 'directory.insights.archive',
          schema: {
            type: 'object',
            properties: {
              archivePath: { type: 'string' },
              sourceOutputDir: { type: 'string' },
              createdAt: { type: 'string', format: 'date-time' },
              sizeBytes: { type: 'integer', minimum: 0 },
              files: { type: 'array', items: { type: 'object' } },
            },
            required: ['archivePath', 'sourceOutputDir', 'createdAt', 'files'],
          },
          autoMaterialize: { onUpstreamUpdate: true, priority: 5, parameterDefaults: ARCHIVE_PARAMETERS },
        },
      ],
    },
  ],
};
