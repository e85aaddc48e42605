import { ResponseContract, type ObservedResponse } from './response-contract.js';

/** An OpenAPI 3.1 document (JSON Schema 2020-12: type arrays, `const`, `$ref` beside other keywords). */
const document = {
  openapi: '3.1.0',
  paths: {
    '/things/{id}': {
      get: {
        responses: {
          '200': {
            description: 'A thing',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['data'],
                  properties: { data: { $ref: '#/components/schemas/Thing', description: 'The thing.' } },
                },
              },
            },
          },
          '204': { description: 'Nothing' },
          default: { $ref: '#/components/responses/Problem' },
        },
      },
      put: { responses: { '200': { description: 'Undocumented body' } } },
    },
  },
  components: {
    schemas: {
      Thing: {
        type: 'object',
        required: ['kind', 'note', 'at'],
        properties: {
          kind: { const: 'thing' },
          note: { type: ['string', 'null'] },
          legacy: { type: 'string', nullable: true },
          at: { type: 'string', format: 'date-time' },
        },
      },
      Problem: {
        type: 'object',
        required: ['status', 'code'],
        properties: { status: { type: 'integer' }, code: { type: 'string' } },
      },
    },
    responses: {
      Problem: {
        description: 'Problem',
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
      },
    },
  },
};

const contract = new ResponseContract(document);
const thing = { kind: 'thing', note: null, at: '2026-12-07T10:00:00.000Z' };
const response = (overrides: Partial<ObservedResponse>): ObservedResponse => ({
  method: 'GET',
  route: '/things/:id',
  url: '/things/1',
  status: 200,
  contentType: 'application/json; charset=utf-8',
  payload: JSON.stringify({ data: thing }),
  ...overrides,
});

describe('the response contract check', () => {
  it('accepts a body that matches its declared schema (2020-12 keywords, refs to components)', () => {
    expect(contract.check(response({}))).toBeUndefined();
    expect(
      contract.check(response({ payload: Buffer.from(JSON.stringify({ data: { ...thing, note: 'n' } })) })),
    ).toBeUndefined();
  });

  it('names the paths of a body that does not match', () => {
    const payload = JSON.stringify({ data: { kind: 'other', note: 1, legacy: null, at: 'yesterday' } });
    const finding = contract.check(response({ payload }));
    expect(finding).toMatch(/^does not match GET \/things\/\{id\} 200 application\/json: /);
    expect(finding).toContain('/data/kind must be equal to constant');
    expect(finding).toContain('/data/note must be string,null');
    expect(finding).toContain('/data/at must match format "date-time"');
    expect(finding).not.toContain('/data/legacy');
  });

  it('checks problem documents against the default response, also on routes outside the document', () => {
    const problem = (payload: object) =>
      response({ status: 404, contentType: 'application/problem+json', payload: JSON.stringify(payload) });
    expect(contract.check(problem({ status: 404, code: 'thing_not_found' }))).toBeUndefined();
    expect(contract.check(problem({ status: 404 }))).toContain("must have required property 'code'");
    expect(contract.check({ ...problem({ status: '404', code: 'x' }), route: undefined })).toContain(
      'components.schemas.Problem',
    );
  });

  it('reports a status or media type the operation does not declare', () => {
    const noDefault = response({ method: 'PUT', status: 409, payload: '{}' });
    expect(contract.check(noDefault)).toBe('PUT /things/{id} declares no 409 response (and no default)');
    expect(contract.check(response({ method: 'PUT', payload: '{}' }))).toBe(
      'PUT /things/{id} 200 declares no application/json body',
    );
    expect(contract.check(response({ payload: 'not json' }))).toBe('the body is not JSON');
  });

  it('leaves alone what it cannot or need not read: other media, empty bodies, HEAD, routes outside the document', () => {
    expect(contract.check(response({ contentType: 'text/html', payload: '<p>' }))).toBeUndefined();
    expect(contract.check(response({ status: 204, contentType: undefined, payload: '' }))).toBeUndefined();
    expect(contract.check(response({ method: 'HEAD', payload: '{}' }))).toBeUndefined();
    expect(contract.check(response({ route: '/docs/json', payload: '{"openapi":"3.1.0"}' }))).toBeUndefined();
  });
});
