import { describe, expect, it } from 'vitest';
import { checkParameters } from './parameters';

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
    expect(checkParameters('{"region": "eu"}', workflow)).toEqual({
      parameters: { region: 'eu' },
      merged: { ordersPerDay: 120, output: { dir: '/tmp' }, region: 'eu' },
      problems: [],
    });
    expect(checkParameters('{}', workflow).problems).toEqual([{ path: '/parameters/region', message: 'is required' }]);
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

  it('merges objects key by key and replaces everything else, keeping __proto__ as data (the server rule)', () => {
    const check = checkParameters('{"output": {"format": "csv"}, "__proto__": {"polluted": true}}', workflow);
    expect(check.merged).toEqual({
      ordersPerDay: 120,
      output: { dir: '/tmp', format: 'csv' },
      ['__proto__']: { polluted: true },
    });
    expect(Object.getPrototypeOf(check.merged)).toBe(Object.prototype);
  });
});
