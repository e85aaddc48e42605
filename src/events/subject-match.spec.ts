import { subjectMatcher } from './subject-match.js';

describe('subjectMatcher', () => {
  const cases: Array<[string, string, boolean]> = [
    ['p.asset.produced.a', 'p.asset.produced.a', true],
    ['p.asset.produced.a', 'p.asset.produced.ab', false],
    ['p.asset.>', 'p.asset.produced.a', true],
    ['p.asset.>', 'p.asset', false],
    ['p.asset.>', 'p.assets.produced', false],
    ['p.*.produced.*', 'p.asset.produced.a', true],
    ['p.*.produced.*', 'p.asset.produced.a.b', false],
    ['p.*.produced.*', 'p.asset.expired.a', false],
    ['p.*.>', 'p.run.x.y', true],
    ['p.*.>', 'p.run', false],
    ['>', 'anything.at.all', true],
    ['*', 'one', true],
    ['*', 'one.two', false],
  ];
  it.each(cases)('%s matches %s: %s', (filter, subject, expected) => {
    expect(subjectMatcher(filter)(subject)).toBe(expected);
  });
});
