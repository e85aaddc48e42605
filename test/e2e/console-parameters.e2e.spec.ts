import { checkParameters } from '../../web/src/logic/parameters.js';
import { RUNNER_TOKEN, startTestApp, WRITER_TOKEN, type TestApp } from '../support/test-app.js';

/** A workflow whose defaults and schema exercise the merge (nested objects, arrays, null) and every problem kind. */
const workflow = {
  slug: 'console-parameters',
  name: 'Console parameters',
  defaultParameters: { threshold: 5, output: { dir: '/tmp', formats: ['csv'] }, note: 'default' },
  parametersSchema: {
    type: 'object',
    required: ['threshold', 'region'],
    additionalProperties: false,
    properties: {
      threshold: { type: 'integer', minimum: 1 },
      region: { type: 'string', pattern: '^[a-z]+$' },
      output: {
        type: 'object',
        required: ['dir'],
        properties: { dir: { type: 'string' }, formats: { type: 'array', items: { type: 'string' } } },
      },
      note: { type: ['string', 'null'] },
    },
  },
  steps: [{ id: 'load', jobSlug: 'console-parameters-ext', produces: [{ assetId: 'console.parameters' }] }],
};

/** What the Recompute editor may hold: valid, merged, and wrong in each way the schema can be broken. */
const editorTexts = [
  '{"region": "eu"}',
  '{"region": "eu", "output": {"formats": ["json", "csv"]}, "note": null}',
  '{"region": "eu", "output": {"dir": "/data"}, "threshold": 9}',
  '{"region": "eu", "output": {"dir": 3}, "note": 1}',
  '{}',
  '{"region": "EU", "threshold": 0}',
  '{"region": "eu", "extra": 1, "output": {"formats": "csv"}}',
  '{"region": "eu", "output": null}',
];

describe('the console checks run parameters exactly as the server records and refuses them', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
    expect((await t.request('POST', '/workflows', { body: workflow, token: WRITER_TOKEN })).status).toBe(201);
  });
  afterAll(async () => {
    await t.close();
  });

  it.each(editorTexts)('%s', async (text) => {
    const check = checkParameters(text, workflow);
    const answer = await t.request('POST', `/workflows/${workflow.slug}/run`, {
      rawBody: `{"parameters": ${text}}`,
      token: RUNNER_TOKEN,
    });
    if (answer.status === 202) {
      expect(check).toEqual({ parameters: expect.any(Object), merged: answer.body.data.parameters, problems: [] });
    } else {
      expect(answer.body.code).toBe('invalid_parameters');
      expect(check.problems).toEqual(answer.body.errors);
    }
  });

  it('covers both answers', async () => {
    const outcomes = editorTexts.map((text) => checkParameters(text, workflow).problems.length === 0);
    expect(outcomes).toContain(true);
    expect(outcomes).toContain(false);
  });
});
