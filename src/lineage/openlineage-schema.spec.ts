import { readFileSync } from 'node:fs';
import { openLineageProblems } from '../../test/support/openlineage-schema.js';
import { APPHUB_VERSION, FACET_SCHEMA_URLS, LINEAGE_PRODUCER, RUN_EVENT_SCHEMA_URL } from './lineage-facets.js';

const valid = {
  eventType: 'START',
  eventTime: '2026-01-15T10:00:01.000Z',
  producer: LINEAGE_PRODUCER,
  schemaURL: RUN_EVENT_SCHEMA_URL,
  run: { runId: '0190d2c4-1a2b-7c3d-8e4f-5a6b7c8d9e0f' },
  job: { namespace: 'apphub', name: 'report' },
  inputs: [],
  outputs: [],
};

describe('the vendored OpenLineage schemas', () => {
  it('accept a minimal RunEvent', () => {
    expect(openLineageProblems(valid)).toEqual([]);
  });

  it('refuse a run id that is not a UUID, a missing eventTime and an unknown event type', () => {
    const { eventTime: _eventTime, ...withoutTime } = valid;
    expect(openLineageProblems({ ...valid, run: { runId: 'run-1' } }).join()).toMatch(/runId/);
    expect(openLineageProblems(withoutTime).join()).toMatch(/eventTime/);
    expect(openLineageProblems({ ...valid, eventType: 'DONE' })).not.toEqual([]);
  });

  it('refuse a facet without _producer, and a facet that breaks its own schema', () => {
    const facetless = { ...valid, run: { ...valid.run, facets: { parent: { _schemaURL: FACET_SCHEMA_URLS.parent } } } };
    expect(openLineageProblems(facetless)).not.toEqual([]);
    const badParent = {
      ...valid,
      run: {
        ...valid.run,
        facets: { parent: { _producer: LINEAGE_PRODUCER, _schemaURL: FACET_SCHEMA_URLS.parent, run: { runId: 'x' } } },
      },
    };
    expect(openLineageProblems(badParent).join()).toMatch(/ParentRunFacet/);
    const badPartition = {
      ...valid,
      outputs: [
        {
          namespace: 'apphub',
          name: 'a',
          facets: { apphub_partition: { _producer: LINEAGE_PRODUCER, _schemaURL: FACET_SCHEMA_URLS.apphub_partition } },
        },
      ],
    };
    expect(openLineageProblems(badPartition).join()).toMatch(/partitionKey/);
  });

  it('write the package version into producer and processing_engine', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    expect(APPHUB_VERSION).toBe(pkg.version);
  });
});
