import { describe, expect, it } from 'vitest';
import { keys as queryKeys } from '../api/queries';
import { invalidationsFor } from './invalidations';
import { SseParser } from './sse-parser';

describe('SseParser', () => {
  it('parses events across chunks, skips comments, joins multi-line data', () => {
    const parser = new SseParser();
    expect(parser.push('retry: 2000\n: connected\n\nid: 4\nevent: ready\nda')).toEqual([]);
    expect(
      parser.push('ta: {"lastEventId":4}\n\nid: 5\r\nevent: asset.produced\r\ndata: a\r\ndata: b\r\n\r\n'),
    ).toEqual([
      { id: '4', event: 'ready', data: '{"lastEventId":4}' },
      { id: '5', event: 'asset.produced', data: 'a\nb' },
    ]);
    expect(parser.push(': keep-alive\n\n')).toEqual([]);
  });
});

describe('invalidationsFor', () => {
  it('refreshes the asset views of a produced asset', () => {
    const keys = invalidationsFor({ seq: 9, type: 'asset.produced', data: { assetId: 'a.b', workflowSlug: 'wf' } });
    expect(keys).toEqual(
      expect.arrayContaining([
        ['graph'],
        ['catalog'],
        ['asset', 'a.b'],
        ['history', 'wf', 'a.b'],
        ['partitions', 'wf', 'a.b'],
      ]),
    );
  });

  it('refreshes run views on run events and the panel and backfills on decisions', () => {
    expect(invalidationsFor({ seq: 1, type: 'workflow.run.succeeded', data: {} })).toEqual(
      expect.arrayContaining([['run'], ['runs'], ['auto-materialize'], ['backfills']]),
    );
    expect(invalidationsFor({ seq: 2, type: 'materializer.trigger.enqueued', data: { workflowSlug: 'wf' } })).toEqual([
      ['auto-materialize', 'wf'],
      ['backfills', 'wf'],
    ]);
    expect(invalidationsFor({ seq: 4, type: 'backfill.completed', data: { workflowSlug: 'wf' } })).toEqual([
      ['backfills', 'wf'],
    ]);
    expect(invalidationsFor({ seq: 3, type: 'something.else', data: {} })).toEqual([]);
  });

  it('names only keys that prefix a query the console makes (an invalidation that matches nothing is a bug)', () => {
    const k = queryKeys;
    const queries: Array<readonly unknown[]> = [
      k.workflows,
      k.workflow('wf'),
      k.latestRun('wf'),
      k.runs('wf'),
      k.run('r1'),
      k.catalog,
      k.graph,
    ];
    queries.push(k.autoMaterialize('wf'), k.workflowAssets('wf'), k.asset('a.b'), k.backfills('wf'));
    queries.push(k.history('wf', 'a.b', null), k.partitions('wf', 'a.b'));
    expect(queries).toHaveLength(Object.keys(k).length);
    const prefixes = (prefix: unknown[], key: readonly unknown[]) =>
      prefix.length <= key.length && prefix.every((part, index) => part === key[index]);
    const data = { workflowSlug: 'wf', assetId: 'a.b', workflow: { slug: 'wf' } };
    const types = ['asset.produced', 'asset.expired', 'workflow.run.requested', 'workflow.step.succeeded'];
    types.push('materializer.trigger.enqueued', 'backfill.requested', 'workflow.definition.updated');
    for (const type of types) {
      for (const key of invalidationsFor({ seq: 1, type, data })) {
        expect({ type, key, matches: queries.some((query) => prefixes(key, query)) }).toEqual({
          type,
          key,
          matches: true,
        });
      }
    }
  });
});
