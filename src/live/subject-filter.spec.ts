import { fullSubjectFilter, subjectFilterProblem } from './subject-filter.js';

describe('subjectFilterProblem', () => {
  it.each(['>', 'asset.>', 'run.retail-sales-insights.>', 'materializer.*.enqueued', 'asset.*.retail.sales.parquet'])(
    'accepts %s',
    (filter) => expect(subjectFilterProblem(filter)).toBeNull(),
  );

  it.each([
    ['', /empty/],
    ['asset..produced', /empty tokens/],
    ['.asset', /empty tokens/],
    ['asset.', /empty tokens/],
    ['asset.>.produced', /last token/],
    ['asset.pro duced', /not allowed/],
    ['asset.a*', /not allowed/],
    ['x'.repeat(301), /at most 300/],
  ])('refuses %j', (filter, message) => {
    expect(subjectFilterProblem(filter)?.message).toMatch(message);
  });

  it('puts the filter below the prefix', () => {
    expect(fullSubjectFilter('apphub', 'asset.>')).toBe('apphub.asset.>');
  });
});
