import { useInfiniteQuery, useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, minSeq, unwrap } from './client';
import type { RunStatus } from './types';

/**
 * Query keys: the live stream invalidates by prefix (live/invalidations.ts), e.g. `['history', slug]` refreshes
 * every history page of that workflow.
 */
export const keys = {
  workflows: ['workflows'] as const,
  workflow: (slug: string) => ['workflow', slug] as const,
  latestRun: (slug: string) => ['runs', slug, 'latest'] as const,
  runs: (slug: string, status?: string) => ['runs', slug, 'list', status ?? 'all'] as const,
  run: (runId: string) => ['run', runId] as const,
  autoMaterialize: (slug: string, outcome?: string) => ['auto-materialize', slug, outcome ?? 'all'] as const,
  workflowAssets: (slug: string) => ['workflow-assets', slug] as const,
  catalog: ['catalog'] as const,
  asset: (assetId: string) => ['asset', assetId] as const,
  graph: ['graph'] as const,
  history: (slug: string, assetId: string, cursor: string | null) => ['history', slug, assetId, cursor] as const,
  partitions: (slug: string, assetId: string) => ['partitions', slug, assetId] as const,
  backfills: (slug: string) => ['backfills', slug] as const,
};

const path = (slug: string) => ({ slug });
const assetPath = (slug: string, assetId: string) => ({ slug, assetId });

export function useWorkflows() {
  return useQuery({
    queryKey: keys.workflows,
    queryFn: async () => unwrap(await api.GET('/workflows', { params: { query: { limit: 200, ...minSeq() } } })),
  });
}

export function useWorkflow(slug: string) {
  return useQuery({
    queryKey: keys.workflow(slug),
    queryFn: async () => unwrap(await api.GET('/workflows/{slug}', { params: { path: path(slug) } })).data,
  });
}

/** The newest run of each workflow (the list page's "latest run" column). */
export function useLatestRuns(slugs: string[]) {
  return useQueries({
    queries: slugs.map((slug) => ({
      queryKey: keys.latestRun(slug),
      queryFn: async () =>
        unwrap(
          await api.GET('/workflows/{slug}/runs', { params: { path: path(slug), query: { limit: 1, ...minSeq() } } }),
        ).data[0] ?? null,
    })),
  });
}

export function useRuns(slug: string, status: RunStatus | undefined) {
  return useInfiniteQuery({
    queryKey: keys.runs(slug, status),
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) =>
      unwrap(
        await api.GET('/workflows/{slug}/runs', {
          params: {
            path: path(slug),
            query: {
              limit: 20,
              ...(status ? { status } : {}),
              ...(pageParam ? { cursor: pageParam } : {}),
              ...minSeq(),
            },
          },
        }),
      ),
    getNextPageParam: (page) => page.meta.nextCursor ?? undefined,
  });
}

export function useRun(runId: string) {
  return useQuery({
    queryKey: keys.run(runId),
    queryFn: async () => unwrap(await api.GET('/workflow-runs/{runId}', { params: { path: { runId } } })).data,
  });
}

export function useAutoMaterialize(slug: string, outcome?: 'enqueued' | 'coalesced' | 'deferred-backoff' | 'skipped') {
  return useQuery({
    queryKey: keys.autoMaterialize(slug, outcome),
    queryFn: async () =>
      unwrap(
        await api.GET('/workflows/{slug}/auto-materialize', {
          params: { path: path(slug), query: { limit: 20, ...(outcome ? { outcome } : {}), ...minSeq() } },
        }),
      ).data,
  });
}

export function useWorkflowAssets(slug: string) {
  return useQuery({
    queryKey: keys.workflowAssets(slug),
    queryFn: async () =>
      unwrap(await api.GET('/workflows/{slug}/assets', { params: { path: path(slug), query: { ...minSeq() } } })).data,
  });
}

export function useCatalog() {
  return useInfiniteQuery({
    queryKey: keys.catalog,
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) =>
      unwrap(
        await api.GET('/assets', {
          params: { query: { limit: 100, ...(pageParam ? { cursor: pageParam } : {}), ...minSeq() } },
        }),
      ),
    getNextPageParam: (page) => page.meta?.nextCursor ?? undefined,
  });
}

export function useAsset(assetId: string) {
  return useQuery({
    queryKey: keys.asset(assetId),
    queryFn: async () =>
      unwrap(await api.GET('/assets/{assetId}', { params: { path: { assetId }, query: { limit: 200, ...minSeq() } } }))
        .data,
  });
}

export function useGraph() {
  return useQuery({
    queryKey: keys.graph,
    queryFn: async () => unwrap(await api.GET('/assets/graph', { params: { query: { ...minSeq() } } })).data,
  });
}

export function useHistory(slug: string, assetId: string, cursor: string | null) {
  return useQuery({
    queryKey: keys.history(slug, assetId, cursor),
    queryFn: async () =>
      unwrap(
        await api.GET('/workflows/{slug}/assets/{assetId}/history', {
          params: { path: assetPath(slug, assetId), query: { limit: 10, ...(cursor ? { cursor } : {}), ...minSeq() } },
        }),
      ),
  });
}

/** Server pages of 200 partitions; the table virtualizes what is loaded and asks for the next page near the end. */
export function usePartitions(slug: string, assetId: string) {
  return useInfiniteQuery({
    queryKey: keys.partitions(slug, assetId),
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) =>
      unwrap(
        await api.GET('/workflows/{slug}/assets/{assetId}/partitions', {
          params: {
            path: assetPath(slug, assetId),
            // The total is counted once, for the first page (counting reads every stored partition).
            query: { limit: 200, ...(pageParam ? { cursor: pageParam } : { total: true }), ...minSeq() },
          },
        }),
      ),
    getNextPageParam: (page) => page.meta?.nextCursor ?? undefined,
  });
}

/** Operator actions on one partition of an asset (scope workflows:run). */
export function usePartitionActions(slug: string, assetId: string) {
  const client = useQueryClient();
  const refresh = () => {
    void client.invalidateQueries({ queryKey: ['partitions', slug, assetId] });
    void client.invalidateQueries({ queryKey: keys.graph });
  };
  const partitionQuery = (partitionKey: string | null) => (partitionKey === null ? {} : { partitionKey });
  return {
    markStale: useMutation({
      mutationFn: async (input: { partitionKey: string | null; note?: string; trigger: boolean }) =>
        unwrap(
          await api.POST('/workflows/{slug}/assets/{assetId}/stale', {
            params: { path: assetPath(slug, assetId), query: { trigger: input.trigger } },
            body: { ...partitionQuery(input.partitionKey), ...(input.note ? { note: input.note } : {}) },
          }),
        ),
      onSuccess: refresh,
    }),
    clearStale: useMutation({
      mutationFn: async (partitionKey: string | null) =>
        unwrap(
          await api.DELETE('/workflows/{slug}/assets/{assetId}/stale', {
            params: { path: assetPath(slug, assetId), query: partitionQuery(partitionKey) },
          }),
        ),
      onSuccess: refresh,
    }),
    clearParameters: useMutation({
      mutationFn: async (partitionKey: string | null) =>
        unwrap(
          await api.DELETE('/workflows/{slug}/assets/{assetId}/partition-parameters', {
            params: { path: assetPath(slug, assetId), query: partitionQuery(partitionKey) },
          }),
        ),
      onSuccess: refresh,
    }),
    recompute: useMutation({
      mutationFn: async (input: {
        partitionKey: string | null;
        parameters: Record<string, unknown>;
        save: boolean;
      }) => {
        if (input.save) {
          unwrap(
            await api.PUT('/workflows/{slug}/assets/{assetId}/partition-parameters', {
              params: { path: assetPath(slug, assetId) },
              body: { partitionKey: input.partitionKey, parameters: input.parameters },
            }),
          );
        }
        return unwrap(
          await api.POST('/workflows/{slug}/run', {
            params: { path: path(slug) },
            body: { parameters: input.parameters, ...partitionQuery(input.partitionKey), triggeredBy: 'assets-ui' },
          }),
        ).data;
      },
      onSuccess: refresh,
    }),
  };
}

/** Backfills of a workflow, newest first, cursor-paged. */
export function useBackfills(slug: string) {
  return useInfiniteQuery({
    queryKey: keys.backfills(slug),
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) =>
      unwrap(
        await api.GET('/workflows/{slug}/backfills', {
          params: { path: path(slug), query: { limit: 20, ...(pageParam ? { cursor: pageParam } : {}), ...minSeq() } },
        }),
      ),
    getNextPageParam: (page) => page.meta.nextCursor ?? undefined,
  });
}

/** Cancels a backfill (scope workflows:run): no further partition is released. */
export function useCancelBackfill(slug: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (backfillId: string) =>
      unwrap(
        await api.POST('/workflows/{slug}/backfills/{backfillId}/cancel', {
          params: { path: { slug, backfillId } },
          body: {},
        }),
      ),
    onSuccess: () => void client.invalidateQueries({ queryKey: keys.backfills(slug) }),
  });
}
