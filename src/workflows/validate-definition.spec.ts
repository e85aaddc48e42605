import { validateWorkflowDefinition, type ValidationProblem } from './validate-definition.js';

/** The seed's report step (seed/workflow-assets.md), as one valid fixture. */
const seedReportStep = {
  id: 'report',
  jobSlug: 'generate-visualizations',
  produces: [
    {
      assetId: 'directory.insights.report',
      schema: {
        type: 'object',
        properties: {
          outputDir: { type: 'string' },
          reportTitle: { type: 'string' },
          generatedAt: { type: 'string', format: 'date-time' },
          artifacts: { type: 'array', items: { type: 'object' } },
        },
        required: ['outputDir', 'reportTitle', 'generatedAt', 'artifacts'],
      },
      freshness: { ttlMs: 3_600_000 },
      autoMaterialize: {
        onUpstreamUpdate: true,
        priority: 5,
        parameterDefaults: {
          archiveDir: '/app/tmp/directory-insights/archives',
          reportAsset: {
            assetId: 'directory.insights.report',
            outputDir: '/app/tmp/directory-insights/output',
            artifacts: [
              { relativePath: 'scan-data.json' },
              { relativePath: 'index.html' },
              { relativePath: 'summary.md' },
            ],
          },
        },
      },
    },
  ],
  consumes: [{ assetId: 'directory.insights.archive' }],
};

const seedWorkflow = { slug: 'directory-insights-report', name: 'Directory insights report', steps: [seedReportStep] };

type Body = Record<string, unknown>;
const workflow = (overrides: Body = {}): Body => ({
  slug: 'etl',
  name: 'ETL',
  steps: [{ id: 'load', jobSlug: 'load' }],
  ...overrides,
});
const withStep = (step: Body): Body => workflow({ steps: [{ id: 'load', jobSlug: 'load', ...step }] });
const withSteps = (...steps: Body[]): Body => workflow({ steps });

function problemsOf(body: unknown, options?: { slug?: string }): ValidationProblem[] {
  const result = validateWorkflowDefinition(body, options);
  if (result.ok) throw new Error(`expected problems, got a valid definition`);
  return result.errors;
}

describe('validateWorkflowDefinition', () => {
  describe('with a valid definition', () => {
    it('accepts the seed report step and fills the step defaults', () => {
      const result = validateWorkflowDefinition(seedWorkflow);
      expect(result).toEqual({
        ok: true,
        value: { ...seedWorkflow, steps: [{ ...seedReportStep, type: 'job', dependsOn: [], retries: 0 }] },
      });
    });

    it('does not modify the body it was given', () => {
      const body = structuredClone(seedWorkflow);
      validateWorkflowDefinition(body);
      expect(body).toEqual(seedWorkflow);
    });

    it('defaults type to service for a serviceUrl and empty lists', () => {
      const result = validateWorkflowDefinition(
        withStep({ jobSlug: undefined, serviceUrl: 'https://svc.example/run' }),
      );
      expect(result.ok && result.value.steps[0]).toEqual({
        id: 'load',
        serviceUrl: 'https://svc.example/run',
        type: 'service',
        dependsOn: [],
        produces: [],
        consumes: [],
        retries: 0,
      });
    });

    it('accepts every optional field at its bounds', () => {
      const body = workflow({
        slug: 'a'.repeat(100),
        name: 'n'.repeat(200),
        description: 'd'.repeat(2000),
        defaultParameters: { day: '2024-01-01' },
        parametersSchema: { type: 'object', properties: { day: { type: 'string', format: 'date' } } },
        steps: [
          {
            id: 'A_1-x',
            name: 'Load',
            type: 'job',
            jobSlug: 'load_1',
            parameters: { a: 1 },
            timeoutMs: 86_400_000,
            retries: 10,
            retryBackoffMs: 3_600_000,
          },
          {
            id: 'b',
            type: 'service',
            serviceUrl: 'http://localhost:4000/hook?x=1',
            dependsOn: ['A_1-x'],
            timeoutMs: 1,
            retries: 0,
            retryBackoffMs: 1,
          },
        ],
      });
      expect(validateWorkflowDefinition(body)).toMatchObject({ ok: true });
    });

    it('accepts a diamond of dependencies', () => {
      const body = withSteps(
        { id: 'a', jobSlug: 'j' },
        { id: 'b', jobSlug: 'j', dependsOn: ['a'] },
        { id: 'c', jobSlug: 'j', dependsOn: ['a'] },
        { id: 'd', jobSlug: 'j', dependsOn: ['b', 'c'] },
      );
      expect(validateWorkflowDefinition(body)).toMatchObject({ ok: true });
    });

    it('takes the slug from the URL when the body has none, and accepts an equal one', () => {
      const { slug: _omitted, ...body } = workflow();
      expect(validateWorkflowDefinition(body, { slug: 'etl' })).toMatchObject({ ok: true, value: { slug: 'etl' } });
      expect(validateWorkflowDefinition(workflow(), { slug: 'etl' })).toMatchObject({ ok: true });
    });
  });

  describe('with an invalid definition', () => {
    const long = (n: number) => 'a'.repeat(n);
    it.each<[string, unknown, string, string]>([
      ['a body that is not an object', [], '', 'must be an object'],
      ['a missing slug', { name: 'x', steps: [{ id: 'a', jobSlug: 'j' }] }, '/slug', '"slug" is required'],
      ['a missing name', { slug: 'x', steps: [{ id: 'a', jobSlug: 'j' }] }, '/name', '"name" is required'],
      ['missing steps', { slug: 'x', name: 'x' }, '/steps', '"steps" is required'],
      ['an upper-case slug', workflow({ slug: 'Etl' }), '/slug', 'lower-case letters'],
      ['a slug starting with "-"', workflow({ slug: '-etl' }), '/slug', 'starting with a letter or digit'],
      ['a slug of 101 characters', workflow({ slug: long(101) }), '/slug', 'at most 100 characters'],
      ['an empty name', workflow({ name: '' }), '/name', 'must not be empty'],
      ['a name of 201 characters', workflow({ name: long(201) }), '/name', 'at most 200 characters'],
      ['a description of 2001 characters', workflow({ description: long(2001) }), '/description', 'at most 2000'],
      ['no steps', workflow({ steps: [] }), '/steps', 'at least 1 item'],
      [
        '101 steps',
        workflow({ steps: Array.from({ length: 101 }, (_, i) => ({ id: `s${i}`, jobSlug: 'j' })) }),
        '/steps',
        'at most 100 items',
      ],
      [
        'defaultParameters that are not an object',
        workflow({ defaultParameters: [1] }),
        '/defaultParameters',
        'must be an object',
      ],
      [
        'a parametersSchema that is not an object',
        workflow({ parametersSchema: true }),
        '/parametersSchema',
        'must be an object',
      ],
      [
        'a parametersSchema that does not compile',
        workflow({ parametersSchema: { type: 'objekt' } }),
        '/parametersSchema/type',
        'schema is invalid',
      ],
      ['an unknown top-level key', workflow({ version: 3 }), '/version', 'unknown property "version"'],
      ['a step that is not an object', workflow({ steps: ['load'] }), '/steps/0', 'must be an object'],
      ['a step without id', workflow({ steps: [{ jobSlug: 'j' }] }), '/steps/0/id', '"id" is required'],
      ['a step id with a space', withStep({ id: 'load data' }), '/steps/0/id', 'only letters, digits'],
      ['a step id of 101 characters', withStep({ id: long(101) }), '/steps/0/id', 'at most 100 characters'],
      [
        'a duplicate step id',
        withSteps({ id: 'a', jobSlug: 'j' }, { id: 'a', jobSlug: 'k' }),
        '/steps/1/id',
        'duplicate step id "a" (also /steps/0)',
      ],
      ['an empty step name', withStep({ name: '' }), '/steps/0/name', 'must not be empty'],
      ['a step name of 201 characters', withStep({ name: long(201) }), '/steps/0/name', 'at most 200 characters'],
      ['an unknown step type', withStep({ type: 'fanout' }), '/steps/0/type', 'must be one of "job", "service"'],
      ['an unknown step key', withStep({ produce: [] }), '/steps/0/produce', 'unknown property "produce"'],
      [
        'a step with neither jobSlug nor serviceUrl',
        workflow({ steps: [{ id: 'a' }] }),
        '/steps/0',
        'needs a jobSlug (job step) or a serviceUrl',
      ],
      [
        'a job step without jobSlug',
        workflow({ steps: [{ id: 'a', type: 'job' }] }),
        '/steps/0/jobSlug',
        'is required for a job step',
      ],
      [
        'a job step with a serviceUrl',
        withStep({ serviceUrl: 'https://x.example' }),
        '/steps/0/serviceUrl',
        'is not allowed on a job step',
      ],
      [
        'a service step without serviceUrl',
        workflow({ steps: [{ id: 'a', type: 'service' }] }),
        '/steps/0/serviceUrl',
        'is required for a service step',
      ],
      [
        'a service step with a jobSlug',
        withStep({ type: 'service', serviceUrl: 'https://x.example' }),
        '/steps/0/jobSlug',
        'is not allowed on a service step',
      ],
      ['a jobSlug with upper case', withStep({ jobSlug: 'Load' }), '/steps/0/jobSlug', 'lower-case letters'],
      [
        'a serviceUrl that is not http(s)',
        withStep({ jobSlug: undefined, serviceUrl: 'ftp://x.example/a' }),
        '/steps/0/serviceUrl',
        'absolute http or https URL',
      ],
      [
        'a relative serviceUrl',
        withStep({ jobSlug: undefined, serviceUrl: '/hooks/run' }),
        '/steps/0/serviceUrl',
        'absolute http or https URL',
      ],
      ['dependsOn that is not an array', withStep({ dependsOn: 'a' }), '/steps/0/dependsOn', 'must be an array'],
      [
        'a dependsOn entry that is not a string',
        withStep({ dependsOn: [1] }),
        '/steps/0/dependsOn/0',
        'must be a string',
      ],
      [
        'a dependency on an unknown step',
        withStep({ dependsOn: ['nope'] }),
        '/steps/0/dependsOn/0',
        'unknown step "nope"',
      ],
      ['a dependency on itself', withStep({ dependsOn: ['load'] }), '/steps/0/dependsOn/0', 'cannot depend on itself'],
      [
        'a dependency listed twice',
        withSteps({ id: 'a', jobSlug: 'j' }, { id: 'b', jobSlug: 'j', dependsOn: ['a', 'a'] }),
        '/steps/1/dependsOn/1',
        '"a" is listed more than once',
      ],
      ['parameters that are not an object', withStep({ parameters: 'x' }), '/steps/0/parameters', 'must be an object'],
      ['timeoutMs 0', withStep({ timeoutMs: 0 }), '/steps/0/timeoutMs', 'must be at least 1'],
      ['timeoutMs above a day', withStep({ timeoutMs: 86_400_001 }), '/steps/0/timeoutMs', 'must be at most 86400000'],
      ['a fractional timeoutMs', withStep({ timeoutMs: 1.5 }), '/steps/0/timeoutMs', 'must be an integer'],
      ['negative retries', withStep({ retries: -1 }), '/steps/0/retries', 'must be at least 0'],
      ['11 retries', withStep({ retries: 11 }), '/steps/0/retries', 'must be at most 10'],
      ['retryBackoffMs 0', withStep({ retryBackoffMs: 0 }), '/steps/0/retryBackoffMs', 'must be at least 1'],
      [
        'retryBackoffMs above an hour',
        withStep({ retryBackoffMs: 3_600_001 }),
        '/steps/0/retryBackoffMs',
        'must be at most 3600000',
      ],
      ['produces that is not an array', withStep({ produces: {} }), '/steps/0/produces', 'must be an array'],
      [
        '51 produced assets',
        withStep({ produces: Array.from({ length: 51 }, (_, i) => ({ assetId: `a${i}` })) }),
        '/steps/0/produces',
        'at most 50 items',
      ],
      [
        '51 consumed assets',
        withStep({ consumes: Array.from({ length: 51 }, (_, i) => ({ assetId: `a${i}` })) }),
        '/steps/0/consumes',
        'at most 50 items',
      ],
    ])('reports %s', (_label, body, path, message) => {
      expect(problemsOf(body)).toContainEqual({ path, message: expect.stringContaining(message) });
    });

    it('reports a body slug that differs from the URL slug', () => {
      expect(problemsOf(workflow({ slug: 'other' }), { slug: 'etl' })).toEqual([
        { path: '/slug', message: 'must equal the slug in the URL ("etl")' },
      ]);
    });

    it('escapes an unknown key in the pointer', () => {
      expect(problemsOf(withStep({ 'a/b~c': 1 }))).toContainEqual({
        path: '/steps/0/a~1b~0c',
        message: 'unknown property "a/b~c"',
      });
    });

    it('names a cycle at the dependsOn entry that closes it', () => {
      const body = withSteps({ id: 'a', jobSlug: 'j', dependsOn: ['b'] }, { id: 'b', jobSlug: 'j', dependsOn: ['a'] });
      expect(problemsOf(body)).toEqual([
        { path: '/steps/1/dependsOn/0', message: 'dependsOn creates a cycle: a → b → a' },
      ]);
    });

    it('names a longer cycle once, next to a valid branch', () => {
      const body = withSteps(
        { id: 'root', jobSlug: 'j' },
        { id: 'a', jobSlug: 'j', dependsOn: ['root', 'c'] },
        { id: 'b', jobSlug: 'j', dependsOn: ['a'] },
        { id: 'c', jobSlug: 'j', dependsOn: ['b'] },
      );
      expect(problemsOf(body)).toEqual([
        { path: '/steps/2/dependsOn/0', message: 'dependsOn creates a cycle: a → c → b → a' },
      ]);
    });

    it('collects every problem, structural and semantic, in one answer', () => {
      const body = {
        slug: 'Bad Slug',
        name: 'x',
        extra: true,
        steps: [
          { id: 'a', jobSlug: 'j', dependsOn: ['b'], retries: 99 },
          { id: 'b', jobSlug: 'j', dependsOn: ['a'], produce: [] },
          { id: 'c' },
        ],
      };
      expect(
        problemsOf(body)
          .map(({ path }) => path)
          .sort(),
      ).toEqual(['/slug', '/extra', '/steps/0/retries', '/steps/1/produce', '/steps/2', '/steps/1/dependsOn/0'].sort());
    });
  });
});
