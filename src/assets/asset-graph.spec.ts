import type { DeclarationRow } from './asset-declarations.js';
import { buildAssetGraph } from './asset-graph.js';

function declaration(
  workflowSlug: string,
  stepId: string,
  direction: 'produces' | 'consumes',
  assetId: string,
): DeclarationRow {
  return {
    workflowDefinitionId: `${workflowSlug}-id`,
    workflowSlug,
    stepId,
    stepName: null,
    stepType: 'job',
    direction,
    assetId,
    schema: null,
    freshness: null,
    autoMaterialize: null,
    partitioning: null,
  };
}

const declarations = [
  declaration('ingest', 'load', 'produces', 'raw'),
  declaration('report', 'build', 'consumes', 'raw'),
  declaration('report', 'build', 'consumes', 'report'),
  declaration('report', 'build', 'produces', 'report'),
  declaration('report', 'build', 'produces', 'summary'),
  declaration('other', 'x', 'consumes', 'Raw'),
  declaration('other', 'x', 'produces', 'side'),
];

const empty = { latestMaterializations: new Map(), stalePartitions: new Map() };

describe('buildAssetGraph', () => {
  it('joins what a step consumes to what it produces, without self-edges, ids matched exactly', () => {
    const graph = buildAssetGraph({ declarations, newestProducedAt: new Map(), ...empty });
    expect(graph.edges.map((e) => `${e.fromAssetId}->${e.toAssetId}@${e.workflowSlug}/${e.stepId}`)).toEqual([
      'Raw->side@other/x',
      'raw->report@report/build',
      'raw->summary@report/build',
      'report->summary@report/build',
    ]);
    expect(graph.assets.map((a) => a.assetId)).toEqual(['Raw', 'raw', 'report', 'side', 'summary']);
    expect(graph.assets.find((a) => a.assetId === 'raw')).toMatchObject({
      producers: [{ workflowSlug: 'ingest', stepId: 'load' }],
      consumers: [{ workflowSlug: 'report', stepId: 'build' }],
    });
  });

  it('flags an asset whose upstream is newer, or that never ran while an upstream did', () => {
    const newestProducedAt = new Map([
      ['raw', '2025-01-02T00:00:00.000Z'],
      ['report', '2025-01-01T00:00:00.000Z'],
      ['produced.only', '2025-01-01T00:00:00.000Z'],
    ]);
    const graph = buildAssetGraph({ declarations, newestProducedAt, ...empty });
    const node = (id: string) => graph.assets.find((a) => a.assetId === id)!;
    expect(node('report')).toMatchObject({ hasOutdatedUpstreams: true, outdatedUpstreamAssetIds: ['raw'] });
    expect(node('summary')).toMatchObject({ hasOutdatedUpstreams: true, outdatedUpstreamAssetIds: ['raw', 'report'] });
    expect(node('side')).toMatchObject({ hasOutdatedUpstreams: false, outdatedUpstreamAssetIds: [] });
    expect(node('raw').hasOutdatedUpstreams).toBe(false);
    expect(node('produced.only')).toMatchObject({ producers: [], consumers: [] });
  });

  it('is not outdated when it is newer than every upstream', () => {
    const newestProducedAt = new Map([
      ['raw', '2025-01-01T00:00:00.000Z'],
      ['report', '2025-01-02T00:00:00.000Z'],
    ]);
    const report = buildAssetGraph({ declarations, newestProducedAt, ...empty }).assets.find(
      (a) => a.assetId === 'report',
    )!;
    expect(report.hasOutdatedUpstreams).toBe(false);
  });
});
