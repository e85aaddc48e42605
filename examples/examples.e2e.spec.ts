import { jest } from '@jest/globals';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { JOB_HANDLERS, type JobHandlerRegistry } from '../src/jobs/job-handler.js';
import { RUNNER_TOKEN, startTestApp, WRITER_TOKEN, type TestApp } from '../test/support/test-app.js';
import { eventually } from '../test/support/waiting.js';
import { EXAMPLE_JOBS, EXAMPLE_WORKFLOWS } from './index.js';

// Generous: a run's steps wait (bounded) for read models to catch up, and auto-materialized runs share the worker.
const RUN_DEADLINE_MS = 60_000;
jest.setTimeout(120_000);

describe('examples loaded at boot (APPHUB_LOAD_EXAMPLES=true)', () => {
  let t: TestApp;
  let outputDir: string;
  const env = () => ({ APPHUB_LOAD_EXAMPLES: 'true', APPHUB_EXAMPLES_OUTPUT_DIR: outputDir });
  const getWorkflow = (slug: string) => t.request('GET', `/workflows/${slug}`, { token: null });
  const runToCompletion = async (slug: string, body: object = {}) => {
    const requested = await t.request('POST', `/workflows/${slug}/run`, { body, token: RUNNER_TOKEN });
    expect(requested.status).toBe(202);
    const runId: string = requested.body.data.id;
    const run = await eventually(
      () => t.request('GET', `/workflow-runs/${runId}`, { token: null }).then((r) => r.body.data),
      (r) => ['succeeded', 'failed', 'canceled'].includes(r.status),
      RUN_DEADLINE_MS,
    );
    expect({ status: run.status, errors: run.steps.map((step: { error: unknown }) => step.error) }).toEqual({
      status: 'succeeded',
      errors: run.steps.map(() => null),
    });
    return run;
  };
  const produced = (run: {
    steps: Array<{ producedAssets: Array<{ assetId: string; partitionKey: string | null }> }>;
  }) =>
    run.steps.flatMap((step) => step.producedAssets.map(({ assetId, partitionKey }) => ({ assetId, partitionKey })));
  // Auto-materialized runs may be writing the same folder (atomically, through *.tmp files) right now.
  const listFiles = async (...segments: string[]) =>
    (await readdir(path.join(outputDir, ...segments))).filter((name) => !name.endsWith('.tmp')).sort();
  const readJson = async (...segments: string[]) =>
    JSON.parse(await readFile(path.join(outputDir, ...segments), 'utf8'));

  beforeAll(async () => {
    outputDir = await mkdtemp(path.join(tmpdir(), 'apphub-examples-'));
    t = await startTestApp(env());
  });
  afterAll(async () => {
    await t?.close();
    await rm(outputDir, { recursive: true, force: true });
  });

  it('registers every example workflow and job at boot', async () => {
    for (const { slug } of EXAMPLE_WORKFLOWS) {
      const response = await getWorkflow(slug);
      expect({ slug, status: response.status, version: response.body.data?.version }).toEqual({
        slug,
        status: 200,
        version: 1,
      });
    }
    const handlers = t.app.get<JobHandlerRegistry>(JOB_HANDLERS);
    expect(handlers.slugs()).toEqual(expect.arrayContaining(EXAMPLE_JOBS.map((job) => job.jobSlug)));
  });

  it('registers the downstream workflows with their auto-materialize policies', async () => {
    const policy = async (slug: string) => (await getWorkflow(slug)).body.data.steps[0].produces[0];
    expect(await policy('directory-insights-archive')).toMatchObject({
      assetId: 'directory.insights.archive',
      autoMaterialize: { onUpstreamUpdate: true, priority: 5 },
    });
    expect(await policy('retail-sales-insights')).toMatchObject({
      assetId: 'retail.sales.report',
      autoMaterialize: { onUpstreamUpdate: true, priority: 4 },
      partitioning: { type: 'timeWindow', granularity: 'day' },
    });
    expect(await policy('fleet-telemetry-alerts')).toMatchObject({
      autoMaterialize: { onUpstreamUpdate: true, priority: 6, parameterDefaults: { windowHours: 24 } },
      partitioning: { type: 'dynamic' },
    });
    expect(await policy('observatory-daily-publication')).toMatchObject({
      autoMaterialize: { onUpstreamUpdate: true, priority: 6 },
    });
  });

  it('runs the directory insights report, writing its files, then archives it', async () => {
    const report = await runToCompletion('directory-insights-report');
    expect(produced(report)).toEqual([{ assetId: 'directory.insights.report', partitionKey: null }]);
    const files = await listFiles('directory-insights-report', report.id);
    expect(files).toEqual(['index.html', 'scan-data.json', 'summary.md']);
    expect(
      await readFile(path.join(outputDir, 'directory-insights-report', report.id, 'index.html'), 'utf8'),
    ).toContain('<svg');
    const scan = await readJson('directory-insights-report', report.id, 'scan-data.json');
    expect(scan.fileCount).toBeGreaterThan(5);
    expect(scan.entries).toEqual(
      expect.arrayContaining([expect.objectContaining({ relativePath: 'index.ts', kind: 'file' })]),
    );
    const checks = await eventually(
      () => t.request('GET', '/workflows/directory-insights-report/assets/directory.insights.report/checks'),
      (response) => response.body?.data?.results?.length === 2,
      RUN_DEADLINE_MS,
    );
    expect(
      checks.body.data.results.map((r: { checkName: string; passed: boolean; source: string }) => [
        r.checkName,
        r.passed,
        r.source,
      ]),
    ).toEqual(
      expect.arrayContaining([
        ['has-files', true, 'service'],
        ['complete-scan', true, 'job'],
      ]),
    );

    const archive = await runToCompletion('directory-insights-archive');
    expect(produced(archive)).toEqual([{ assetId: 'directory.insights.archive', partitionKey: null }]);
    const tar = gunzipSync(
      await readFile(
        path.join(outputDir, 'directory-insights-archive', archive.id, 'directory-insights-report.tar.gz'),
      ),
    );
    expect(tar.subarray(257, 262).toString('ascii')).toBe('ustar');
    expect(tar.subarray(0, 100).toString('utf8')).toMatch(/^directory-insights-report\//);
  });

  it('ingests a retail day as two day-partitioned assets and renders its dashboard', async () => {
    const ingest = await runToCompletion('retail-sales-daily-ingest', { partitionKey: '2024-01-01' });
    expect(produced(ingest)).toEqual([
      { assetId: 'retail.sales.raw', partitionKey: '2024-01-01' },
      { assetId: 'retail.sales.parquet', partitionKey: '2024-01-01' },
    ]);
    const csv = await readFile(
      path.join(outputDir, 'retail-sales-daily-ingest', '2024-01-01', 'sales-raw.csv'),
      'utf8',
    );
    expect(csv.trim().split('\n')).toHaveLength(121);
    expect(await readJson('retail-sales-daily-ingest', '2024-01-01', 'sales.columnar.json')).toMatchObject({
      format: 'columnar-json',
      rowCount: 120,
    });

    const insights = await runToCompletion('retail-sales-insights', { partitionKey: '2024-01-01' });
    expect(produced(insights)).toEqual([{ assetId: 'retail.sales.report', partitionKey: '2024-01-01' }]);
    expect(await listFiles('retail-sales-insights', '2024-01-01')).toEqual([
      'index.html',
      'metrics.json',
      'revenue-by-category.svg',
      'revenue-by-hour.svg',
    ]);
  });

  it('gates the retail report on a fresh parquet partition: a stale export is not rendered until a fresh one passes', async () => {
    const day = '2024-01-03';
    const reportRuns = async () =>
      (await t.request('GET', `/workflows/retail-sales-insights/runs?partitionKey=${day}`, { token: null })).body
        .data as Array<{ status: string; trigger: { type: string } }>;
    const exportedAt = new Date(Date.now() - 2 * 86_400_000).toISOString();
    await runToCompletion('retail-sales-daily-ingest', { partitionKey: day, parameters: { exportedAt } });
    const history = await eventually(
      () =>
        t.request(
          'GET',
          `/workflows/retail-sales-daily-ingest/assets/retail.sales.parquet/history?partitionKey=${day}`,
        ),
      (response) => response.body?.data?.history?.[0]?.checks?.length === 1,
      RUN_DEADLINE_MS,
    );
    expect(history.body.data.history[0]).toMatchObject({
      producedAt: exportedAt,
      checks: [{ name: 'fresh-partition', passed: false, severity: 'error', blocking: true }],
    });
    const skipped = await eventually(
      () => t.request('GET', '/workflows/retail-sales-insights/auto-materialize?outcome=skipped', { token: null }),
      (response) =>
        response.body?.data?.decisions?.some((d: { partitionKey: string }) => d.partitionKey === day) === true,
      RUN_DEADLINE_MS,
    );
    expect(skipped.body.data.decisions.find((d: { partitionKey: string }) => d.partitionKey === day)).toMatchObject({
      reason: 'blocked-by-check',
      detail: expect.stringContaining('fresh-partition'),
    });
    expect(await reportRuns()).toEqual([]);

    await runToCompletion('retail-sales-daily-ingest', { partitionKey: day });
    const rendered = await eventually(
      reportRuns,
      (runs) => runs.length === 1 && runs[0]!.status === 'succeeded',
      RUN_DEADLINE_MS,
    );
    expect(rendered[0]!.trigger.type).toBe('auto-materialize');
  });

  it('records one telemetry partition per instrument, and scans one for alerts', async () => {
    const rollup = await runToCompletion('fleet-telemetry-daily-rollup', { partitionKey: '2024-01-01' });
    expect(produced(rollup)).toEqual(
      ['instrument_A', 'instrument_B', 'instrument_C'].map((partitionKey) => ({
        assetId: 'greenhouse.telemetry.instrument',
        partitionKey,
      })),
    );
    expect(await readJson('fleet-telemetry-daily-rollup', 'instrument_A', '2024-01-01.json')).toMatchObject({
      instrumentId: 'instrument_A',
      day: '2024-01-01',
    });

    const alerts = await runToCompletion('fleet-telemetry-alerts', { partitionKey: 'instrument_B' });
    expect(produced(alerts)).toEqual([{ assetId: 'greenhouse.telemetry.alerts', partitionKey: 'instrument_B' }]);
    const found = await readJson('fleet-telemetry-alerts', 'instrument_B', 'alerts.json');
    expect(found.alerts.length).toBeGreaterThan(0);
  });

  it('generates, ingests and publishes an observatory minute', async () => {
    const minute = '2025-08-01T12:15';
    expect(produced(await runToCompletion('observatory-minute-data-generator', { partitionKey: minute }))).toEqual([
      { assetId: 'observatory.inbox.synthetic', partitionKey: minute },
    ]);
    const ingest = await runToCompletion('observatory-minute-ingest', { partitionKey: minute });
    expect(produced(ingest)).toEqual([
      { assetId: 'observatory.timeseries.raw', partitionKey: minute },
      { assetId: 'observatory.timeseries.timestore', partitionKey: minute },
    ]);
    const publication = await runToCompletion('observatory-daily-publication', { partitionKey: '2025-08-01' });
    expect(produced(publication).map(({ assetId }) => assetId)).toEqual([
      'observatory.visualizations.minute',
      'observatory.reports.status',
    ]);
    expect(await readJson('observatory-daily-publication', '2025-08-01', 'status.json')).toMatchObject({
      minuteCount: 1,
      latestMinute: minute,
    });
  });

  it('makes an ingest without its drop wait for the generator, which it requests', async () => {
    const minute = '2025-08-01T12:20';
    const ingest = await runToCompletion('observatory-minute-ingest', { partitionKey: minute });
    expect(produced(ingest).map(({ partitionKey }) => partitionKey)).toEqual([minute, minute]);
    // Only the generator, requested by the waiting ingest for this minute, can have written its drop.
    const drop = await readFile(
      path.join(outputDir, 'observatory-minute-data-generator', '2025-08-01T12-20', 'drop.csv'),
      'utf8',
    );
    expect(drop.split('\n')[0]).toBe('sensor,at,temperatureC,pm25,windMs');
  });

  it('restores a changed example on the next boot, also when two instances boot together', async () => {
    const shipped = EXAMPLE_WORKFLOWS.find((workflow) => workflow.slug === 'retail-sales-insights')!;
    const changed = await t.request('PUT', '/workflows/retail-sales-insights', {
      body: { ...shipped, description: 'edited by hand' },
      token: WRITER_TOKEN,
    });
    expect(changed.body.data).toMatchObject({ version: 2, description: 'edited by hand' });
    const shared = { database: t.database, prefix: t.prefix };
    const others = await Promise.all([startTestApp(env(), shared), startTestApp(env(), shared)]);
    try {
      expect((await getWorkflow('retail-sales-insights')).body.data).toMatchObject({
        version: 3,
        description: shipped.description,
      });
      expect((await getWorkflow('retail-sales-daily-ingest')).body.data.version).toBe(1);
    } finally {
      await Promise.all(others.map((other) => other.close()));
    }
  });
});
