import { validateWorkflowDefinition, type ValidationProblem } from '../../../src/workflows/validate-definition.js';

/** Request bodies for the definition-validation specs. */
export type Body = Record<string, unknown>;

export const day = { type: 'timeWindow', granularity: 'day', format: 'YYYY-MM-DD', lookbackWindows: 30 };

/** The reference's retail-sales-daily-ingest workflow (§5.6): two steps, one day partitioning. */
export const retailIngest = {
  slug: 'retail-sales-daily-ingest',
  name: 'Retail sales daily ingest',
  steps: [
    {
      id: 'load-partition',
      jobSlug: 'retail-sales-csv-loader',
      produces: [{ assetId: 'retail.sales.raw', partitioning: day }],
    },
    {
      id: 'build-parquet',
      jobSlug: 'retail-sales-parquet-builder',
      dependsOn: ['load-partition'],
      consumes: [{ assetId: 'retail.sales.raw' }],
      produces: [{ assetId: 'retail.sales.parquet', partitioning: day, freshness: { maxAgeMs: 86_400_000 } }],
    },
  ],
};

export const withStep = (step: Body): Body => ({
  slug: 'etl',
  name: 'ETL',
  steps: [{ id: 'load', jobSlug: 'load', ...step }],
});
export const producing = (...produces: Body[]): Body => withStep({ produces });
export const consuming = (...consumes: Body[]): Body => withStep({ consumes });
export const producedBy = (...produces: Body[]): Body => ({
  slug: 'etl',
  name: 'ETL',
  steps: produces.map((declaration, i) => ({ id: `s${i}`, jobSlug: 'j', produces: [declaration] })),
});

export function problemsOf(body: unknown): ValidationProblem[] {
  const result = validateWorkflowDefinition(body);
  if (result.ok) throw new Error('expected problems, got a valid definition');
  return result.errors;
}

/** JSON pointer of the first produced asset of the first step. */
export const P = '/steps/0/produces/0';
