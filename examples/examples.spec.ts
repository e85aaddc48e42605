import { enumerateWindowKeys, type Partitioning, type TimeWindowPartitioning } from '../src/partitions/index.js';
import { validateWorkflowDefinition } from '../src/workflows/validate-definition.js';
import type { AssetDeclaration, WorkflowDefinitionInput } from '../src/workflows/workflow-definition.js';
import { EXAMPLE_JOBS, EXAMPLE_WORKFLOWS } from './index.js';

const validated = new Map<string, WorkflowDefinitionInput>();

/** The example as the validator normalizes it (defaults filled in); throws with the problems if it is invalid. */
function definition(slug: string): WorkflowDefinitionInput {
  const cached = validated.get(slug);
  if (cached) return cached;
  const found = EXAMPLE_WORKFLOWS.find((workflow) => workflow.slug === slug);
  if (!found) throw new Error(`no example ${slug}`);
  const validation = validateWorkflowDefinition(found);
  if (!validation.ok) throw new Error(JSON.stringify(validation.errors));
  validated.set(slug, validation.value);
  return validation.value;
}

function produced(assetId: string): AssetDeclaration & { workflowSlug: string; consumes: string[] } {
  for (const workflow of EXAMPLE_WORKFLOWS.map((example) => definition(example.slug))) {
    for (const step of workflow.steps) {
      const declaration = step.produces.find((candidate) => candidate.assetId === assetId);
      if (declaration)
        return {
          ...declaration,
          workflowSlug: workflow.slug,
          consumes: step.consumes.map((consumed) => consumed.assetId),
        };
    }
  }
  throw new Error(`no example produces ${assetId}`);
}

function timeWindow(partitioning: Partitioning | undefined): TimeWindowPartitioning {
  expect(partitioning?.type).toBe('timeWindow');
  return partitioning as TimeWindowPartitioning;
}

describe('the example workflows', () => {
  it.each(EXAMPLE_WORKFLOWS.map((workflow) => [workflow.slug, workflow] as const))(
    '%s passes the definition validator',
    (_slug, workflow) => {
      expect(validateWorkflowDefinition(workflow)).toEqual(expect.objectContaining({ ok: true }));
    },
  );

  it('have unique slugs, and every job step has an in-process handler', () => {
    const slugs = EXAMPLE_WORKFLOWS.map((workflow) => workflow.slug);
    expect(new Set(slugs).size).toBe(slugs.length);
    const handled = new Set(EXAMPLE_JOBS.map((job) => job.jobSlug));
    const dispatched = EXAMPLE_WORKFLOWS.flatMap((workflow) => workflow.steps.map((step) => step.jobSlug));
    expect(dispatched.filter((jobSlug) => !handled.has(jobSlug!))).toEqual([]);
    expect(handled.size).toBe(EXAMPLE_JOBS.length);
  });

  it('consume only assets that some example produces', () => {
    const consumed = EXAMPLE_WORKFLOWS.flatMap((workflow) =>
      workflow.steps.flatMap((step) => (step.consumes ?? []).map((c) => c.assetId)),
    );
    for (const assetId of consumed) expect(produced(assetId).assetId).toBe(assetId);
  });
});

describe('directory insights', () => {
  it('produces the report with a one hour TTL and no dependency on the archive (no cycle to wait on)', () => {
    const report = produced('directory.insights.report');
    expect(report).toMatchObject({
      workflowSlug: 'directory-insights-report',
      freshness: { ttlMs: 3600000 },
      consumes: [],
    });
    expect(report.schema).toMatchObject({ required: ['outputDir', 'reportTitle', 'generatedAt', 'artifacts'] });
  });

  it('archives on every new report', () => {
    const archive = produced('directory.insights.archive');
    expect(archive).toMatchObject({
      workflowSlug: 'directory-insights-archive',
      consumes: ['directory.insights.report'],
    });
    expect(archive.autoMaterialize).toMatchObject({
      onUpstreamUpdate: true,
      priority: 5,
      parameterDefaults: { archiveDir: expect.any(String), reportAsset: { assetId: 'directory.insights.report' } },
    });
  });
});

describe('retail sales (reference §6.2 item 9)', () => {
  it('ingests in two steps, the raw asset by day', () => {
    const ingest = definition('retail-sales-daily-ingest');
    expect(ingest.steps.map((step) => step.id)).toEqual(['load-partition', 'build-parquet']);
    expect(ingest.steps[1]!.dependsOn).toEqual(['load-partition']);
    expect(timeWindow(produced('retail.sales.raw').partitioning)).toMatchObject({
      granularity: 'day',
      format: 'YYYY-MM-DD',
    });
  });

  it('enumerates three parquet days back from 2024-01-05', () => {
    const keys = enumerateWindowKeys(timeWindow(produced('retail.sales.parquet').partitioning), {
      now: new Date('2024-01-05T12:00:00Z'),
      lookback: 3,
    });
    expect(keys).toEqual(['2024-01-05', '2024-01-04', '2024-01-03']);
  });

  it('re-renders the report, per day, when the parquet is produced', () => {
    const report = produced('retail.sales.report');
    expect(report.autoMaterialize).toMatchObject({ onUpstreamUpdate: true, priority: 4 });
    expect(report.consumes).toEqual(['retail.sales.parquet']);
    expect(report.partitioning).toEqual(produced('retail.sales.parquet').partitioning);
  });
});

describe('fleet telemetry (reference §6.2 item 10)', () => {
  it('partitions telemetry dynamically, so there are no windows to enumerate', () => {
    const telemetry = produced('greenhouse.telemetry.instrument');
    expect(telemetry.partitioning).toMatchObject({ type: 'dynamic' });
    expect(telemetry.freshness).toEqual({ ttlMs: 86400000 });
    expect(() =>
      enumerateWindowKeys(telemetry.partitioning as unknown as TimeWindowPartitioning, {
        now: new Date(),
        lookback: 5,
      }),
    ).toThrow();
  });

  it('re-scans alerts per instrument when telemetry is produced', () => {
    const alerts = produced('greenhouse.telemetry.alerts');
    expect(alerts.autoMaterialize).toEqual({
      onUpstreamUpdate: true,
      priority: 6,
      parameterDefaults: { windowHours: 24 },
    });
    expect(alerts.consumes).toEqual(['greenhouse.telemetry.instrument']);
    expect(alerts.partitioning).toMatchObject({ type: 'dynamic' });
  });
});

describe('environmental observatory (reference §6.2 item 8)', () => {
  it('generates inbox drops per minute', () => {
    expect(timeWindow(produced('observatory.inbox.synthetic').partitioning).granularity).toBe('minute');
  });

  it('enumerates the raw minute 2025-08-01T12:15 at 12:15 with a lookback of 2', () => {
    const keys = enumerateWindowKeys(timeWindow(produced('observatory.timeseries.raw').partitioning), {
      now: new Date('2025-08-01T12:15:00Z'),
      lookback: 2,
    });
    expect(keys).toEqual(['2025-08-01T12:15', '2025-08-01T12:14']);
  });

  it('expires timestore minutes after 60 s, re-running only minutes in a short lookback', () => {
    const timestore = produced('observatory.timeseries.timestore');
    expect(timestore.freshness).toEqual({ ttlMs: 60000 });
    expect(timestore.autoMaterialize).toMatchObject({ onUpstreamUpdate: true, priority: 5 });
    expect(timeWindow(timestore.partitioning).lookbackWindows).toBe(3);
    expect(timestore.consumes).toEqual(['observatory.timeseries.raw']);
  });

  it('publishes plots and a report that consume the previous asset and follow upstream updates', () => {
    const plots = produced('observatory.visualizations.minute');
    const report = produced('observatory.reports.status');
    expect(plots).toMatchObject({
      consumes: ['observatory.timeseries.timestore'],
      autoMaterialize: { onUpstreamUpdate: true, priority: 6 },
    });
    expect(report).toMatchObject({
      consumes: ['observatory.visualizations.minute'],
      autoMaterialize: { onUpstreamUpdate: true, priority: 7 },
    });
    expect(timeWindow(plots.partitioning).granularity).toBe('day');
  });
});
