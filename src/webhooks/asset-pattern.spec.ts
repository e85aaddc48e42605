import { assetPatternProblem, matchesAssetPattern } from './asset-pattern.js';

describe('asset patterns', () => {
  it.each([
    ['retail.sales.parquet', 'retail.sales.parquet', true],
    ['retail.sales.parquet', 'retail.sales', false],
    ['retail.>', 'retail.sales.parquet', true],
    ['retail.>', 'retail', false],
    ['*.report', 'insights.report', true],
    ['*.report', 'directory.insights.report', false],
    ['directory.*.report', 'directory.insights.report', true],
    ['>', 'anything.at.all', true],
    ['Retail.>', 'retail.sales', false],
  ])('%s matches %s: %s', (pattern, assetId, expected) => {
    expect(matchesAssetPattern(pattern, assetId)).toBe(expected);
  });

  it('refuses empty tokens, inner ">" and foreign characters', () => {
    expect(assetPatternProblem('retail.>')).toBeNull();
    expect(assetPatternProblem('retail..sales')).toMatch(/token 2/);
    expect(assetPatternProblem('>.sales')).toMatch(/last token/);
    expect(assetPatternProblem('retail.sa les')).toMatch(/token 2/);
    expect(assetPatternProblem('')).toMatch(/1 to 200/);
  });
});
