/** A domain event as /events delivers it: the envelope plus the subject's tokens we need. */
export interface LiveEvent {
  seq: number;
  type: string;
  data: Record<string, unknown>;
}

/**
 * The query-key prefixes (api/queries.ts `keys`) a domain event makes stale. Pure, so the mapping is tested on its
 * own; the provider invalidates them, and react-query refetches what is on screen (reads carry `minSeq`, so the
 * refetch sees the event).
 */
export function invalidationsFor(event: LiveEvent): unknown[][] {
  const data = event.data;
  const slug = typeof data.workflowSlug === 'string' ? data.workflowSlug : null;
  const assetId = typeof data.assetId === 'string' ? data.assetId : null;
  if (event.type.startsWith('asset.')) {
    return [
      ['graph'],
      ['catalog'],
      ...(assetId ? [['asset', assetId]] : []),
      ...(slug && assetId
        ? [
            ['history', slug, assetId],
            ['partitions', slug, assetId],
          ]
        : []),
      ...(slug
        ? [
            ['workflow-assets', slug],
            ['runs', slug, 'latest'],
          ]
        : []),
    ];
  }
  if (event.type.startsWith('workflow.run.') || event.type.startsWith('workflow.step.')) {
    // Only the first event of a run names its workflow in the data (the subject does, the envelope not): refresh the
    // run views on screen; react-query refetches only queries that are in use.
    return [['run'], ['runs'], ['auto-materialize'], ['history'], ['backfills']];
  }
  if (event.type.startsWith('materializer.'))
    return slug
      ? [
          ['auto-materialize', slug],
          ['backfills', slug],
        ]
      : [];
  if (event.type.startsWith('backfill.')) return slug ? [['backfills', slug]] : [];
  if (event.type.startsWith('workflow.definition.')) {
    const workflow = (data.workflow ?? {}) as { slug?: unknown };
    const updated = typeof workflow.slug === 'string' ? workflow.slug : null;
    return [
      ['workflows'],
      ...(updated
        ? [
            ['workflow', updated],
            ['workflow-assets', updated],
          ]
        : []),
      ['graph'],
      ['catalog'],
    ];
  }
  return [];
}
