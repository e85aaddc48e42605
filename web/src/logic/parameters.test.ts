import { describe, expect, it } from 'vitest';
import { checkParameters, mergeLayers } from './parameters';

const workflow = {
  defaultParameters: { ordersPerDay: 120, output: { dir: '/tmp' } },
  parametersSchema: {
    type: 'object',
    required: ['ordersPerDay', 'region'],
    properties: {
      ordersPerDay: { type: 'integer', minimum: 1 },
      region: { type: 'string' },
      output: { type: 'object' },
    },
  },
};

describe('checkParameters (the Recompute editor)', () => {
  it('validates the parameters merged over defaultParameters, like the server', () => {
    expect(checkParameters('{"region": "eu"}', workflow)).toEqual({ parameters: { region: 'eu' }, problems: [] });
    expect(checkParameters('{}', workflow).problems).toEqual([
      { path: '/parameters', message: 'must have property "region"' },
    ]);
    expect(checkParameters('{"region": "eu", "ordersPerDay": 0}', workflow).problems).toEqual([
      { path: '/parameters/ordersPerDay', message: 'must be >= 1' },
    ]);
  });

  it('refuses text that is not a JSON object', () => {
    expect(checkParameters('{"region": ', workflow).problems[0]!.message).toMatch(/^Not valid JSON/);
    expect(checkParameters('[1]', workflow).problems).toEqual([
      { path: '', message: 'Parameters must be a JSON object' },
    ]);
  });

  it('accepts any object when the workflow has no parametersSchema', () => {
    expect(checkParameters('{"anything": [1]}', {}).problems).toEqual([]);
  });

  it('merges objects key by key and replaces everything else', () => {
    expect(mergeLayers({ a: { b: 1, c: [1] } }, { a: { c: [2] }, d: null })).toEqual({ a: { b: 1, c: [2] }, d: null });
  });
});
