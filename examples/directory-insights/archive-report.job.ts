import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { JobContext, JobOutcome } from '../../src/jobs/job-handler.js';
import { ArtifactWriter, folderName, isWithin, readUpstreamJson, type ExampleOutput } from '../example-output.js';
import type { ExampleJob } from '../example-workflow.js';
import { JobParameters } from '../job-parameters.js';
import { LATEST_REPORT_FILE, type DirectoryReportPayload } from './generate-visualizations.job.js';
import { tarGzip, type ArchiveEntry } from './tar-archive.js';

const DEFAULT_ARTIFACTS = ['scan-data.json', 'index.html', 'summary.md'];

interface ReportSource {
  outputDir: string;
  generatedAt: string | null;
  relativePaths: string[];
}

/** The report to archive: `reportAsset.outputDir`/`artifacts` when given, else the newest report's pointer. */
async function reportSource(
  output: ExampleOutput,
  reportAsset: Record<string, unknown> | undefined,
): Promise<ReportSource> {
  const listed = Array.isArray(reportAsset?.artifacts)
    ? reportAsset.artifacts.flatMap((item) =>
        typeof (item as { relativePath?: unknown })?.relativePath === 'string'
          ? [(item as { relativePath: string }).relativePath]
          : [],
      )
    : [];
  if (typeof reportAsset?.outputDir === 'string') {
    return {
      outputDir: output.inside(reportAsset.outputDir),
      generatedAt: null,
      relativePaths: listed.length > 0 ? listed : DEFAULT_ARTIFACTS,
    };
  }
  const latest = await readUpstreamJson<DirectoryReportPayload>(
    path.join(output.folder('directory-insights-report'), LATEST_REPORT_FILE),
    'directory-insights-report',
  );
  return {
    outputDir: output.inside(latest.outputDir),
    generatedAt: latest.generatedAt,
    relativePaths: listed.length > 0 ? listed : latest.artifacts.map((artifact) => artifact.relativePath),
  };
}

async function readEntries(source: ReportSource): Promise<ArchiveEntry[]> {
  return Promise.all(
    source.relativePaths.map(async (relativePath) => {
      const file = path.resolve(source.outputDir, relativePath);
      if (!isWithin(source.outputDir, file)) throw new Error(`artifact "${relativePath}" is outside the report folder`);
      const [content, info] = await Promise.all([readFile(file), stat(file)]);
      return { name: `directory-insights-report/${relativePath}`, content, modifiedAt: info.mtime };
    }),
  );
}

async function archiveReport(output: ExampleOutput, context: JobContext): Promise<JobOutcome> {
  const parameters = new JobParameters(context.parameters);
  const archiveRoot = output.inside(parameters.string('archiveDir', 'directory-insights-archive'));
  const source = await reportSource(output, parameters.object('reportAsset'));
  const entries = await readEntries(source);
  const archive = tarGzip(entries);
  const writer = new ArtifactWriter(path.join(archiveRoot, folderName(context.runId)));
  const files = entries.map((entry) => ({
    relativePath: entry.name,
    sizeBytes: entry.content.length,
    sha256: createHash('sha256').update(entry.content).digest('hex'),
  }));
  await writer.write('directory-insights-report.tar.gz', archive, 'application/gzip');
  await writer.writeJson('manifest.json', {
    sourceOutputDir: source.outputDir,
    reportGeneratedAt: source.generatedAt,
    files,
  });
  const createdAt = new Date().toISOString();
  const payload = {
    archivePath: path.join(writer.dir, 'directory-insights-report.tar.gz'),
    sourceOutputDir: source.outputDir,
    reportGeneratedAt: source.generatedAt,
    createdAt,
    sizeBytes: archive.length,
    files,
  };
  context.log.info({ archivePath: payload.archivePath, files: files.length }, 'directory insights report archived');
  return {
    status: 'succeeded',
    result: {
      files: writer.artifacts,
      assets: [{ assetId: 'directory.insights.archive', payload, producedAt: createdAt }],
    },
  };
}

/** `archive-directory-report`: bundles the newest report's files into a `.tar.gz` plus a manifest. */
export const archiveReportJob: ExampleJob = {
  jobSlug: 'archive-directory-report',
  create: (output) => (context) => archiveReport(output, context),
};
