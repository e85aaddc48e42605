import path from 'node:path';
import type { JobContext, JobOutcome } from '../../src/jobs/job-handler.js';
import { ArtifactWriter, isWithin, type ExampleOutput } from '../example-output.js';
import type { ExampleJob } from '../example-workflow.js';
import { JobParameters } from '../job-parameters.js';
import { escapeMarkup, htmlPage, htmlTable, markdownTable } from '../rendering/markup.js';
import { barChartSvg } from '../rendering/svg-chart.js';
import { EXAMPLES_FOLDER, scanDirectory, type DirectoryScan } from './directory-scan.js';

/** Where the report workflow keeps a pointer to its newest report (read by the archive job). */
export const LATEST_REPORT_FILE = 'latest.json';

/** The payload of `directory.insights.report` (the seed's schema plus scan totals). */
export interface DirectoryReportPayload {
  outputDir: string;
  reportTitle: string;
  generatedAt: string;
  scanDir: string;
  fileCount: number;
  directoryCount: number;
  totalBytes: number;
  truncated: boolean;
  artifacts: Array<{ relativePath: string; mediaType: string; sizeBytes: number }>;
}

/** The folder to scan: relative to `examples/`, or absolute inside `examples/` or the output folder. */
function scanRoot(requested: string | undefined, output: ExampleOutput): string {
  if (requested === undefined) return EXAMPLES_FOLDER;
  const resolved = path.resolve(EXAMPLES_FOLDER, requested);
  if (isWithin(EXAMPLES_FOLDER, resolved) || isWithin(output.root, resolved)) return resolved;
  throw new Error(`scanDir "${requested}" must be inside the examples folder or the examples output folder`);
}

function summaryMarkdown(title: string, scan: DirectoryScan): string {
  return [
    `# ${title}`,
    '',
    `Scanned \`${scan.root}\` at ${scan.scannedAt}: ${scan.fileCount} files in ${scan.directoryCount} folders, ${scan.totalBytes} bytes${scan.truncated ? ' (truncated at maxEntries)' : ''}.`,
    '',
    '## By extension',
    '',
    markdownTable(
      ['extension', 'files', 'bytes'],
      scan.byExtension.map((e) => [e.extension, e.files, e.bytes]),
    ),
    '',
    '## Largest files',
    '',
    markdownTable(
      ['file', 'bytes'],
      scan.largestFiles.map((f) => [f.relativePath, f.sizeBytes]),
    ),
    '',
  ].join('\n');
}

function indexHtml(title: string, scan: DirectoryScan): string {
  const chart = barChartSvg(
    'Bytes by file extension',
    scan.byExtension.slice(0, 8).map((e) => ({ label: e.extension, value: e.bytes })),
    'bytes',
  );
  const body = [
    `<p class="muted">Scanned <code>${escapeMarkup(scan.root)}</code> at ${escapeMarkup(scan.scannedAt)}${scan.truncated ? ' (truncated)' : ''}.</p>`,
    htmlTable(['files', 'folders', 'bytes'], [[scan.fileCount, scan.directoryCount, scan.totalBytes]]),
    chart,
    '<h2>Largest files</h2>',
    htmlTable(
      ['file', 'bytes'],
      scan.largestFiles.map((f) => [f.relativePath, f.sizeBytes]),
    ),
    '<p><a href="summary.md">summary.md</a> · <a href="scan-data.json">scan-data.json</a></p>',
  ].join('\n');
  return htmlPage(title, body);
}

async function generateReport(output: ExampleOutput, context: JobContext): Promise<JobOutcome> {
  const parameters = new JobParameters(context.parameters);
  const reportTitle = parameters.string('reportTitle', 'Directory Insights');
  const root = scanRoot(parameters.optionalString('scanDir'), output);
  const limits = {
    maxEntries: parameters.integer('maxEntries', 20000, 1, 20000),
    maxDepth: parameters.integer('maxDepth', 8, 1, 32),
  };
  const scan = await scanDirectory(root, limits, context.signal);
  const writer = new ArtifactWriter(output.folder('directory-insights-report', context.runId));
  await writer.writeJson('scan-data.json', scan);
  await writer.write('summary.md', summaryMarkdown(reportTitle, scan), 'text/markdown');
  await writer.write('index.html', indexHtml(reportTitle, scan), 'text/html');
  const payload: DirectoryReportPayload = {
    outputDir: writer.dir,
    reportTitle,
    generatedAt: new Date().toISOString(),
    scanDir: root,
    fileCount: scan.fileCount,
    directoryCount: scan.directoryCount,
    totalBytes: scan.totalBytes,
    truncated: scan.truncated,
    artifacts: writer.artifacts,
  };
  await new ArtifactWriter(output.folder('directory-insights-report')).writeJson(LATEST_REPORT_FILE, payload);
  context.log.info({ outputDir: writer.dir, files: scan.fileCount }, 'directory insights report written');
  return {
    status: 'succeeded',
    result: {
      files: writer.artifacts,
      assets: [
        {
          assetId: 'directory.insights.report',
          payload,
          producedAt: payload.generatedAt,
          checks: [{ name: 'complete-scan', passed: !scan.truncated, metadata: { fileCount: scan.fileCount } }],
        },
      ],
    },
  };
}

/** `generate-visualizations`: scans a folder and writes scan-data.json, summary.md and index.html (SVG chart). */
export const generateVisualizationsJob: ExampleJob = {
  jobSlug: 'generate-visualizations',
  create: (output) => (context) => generateReport(output, context),
};
