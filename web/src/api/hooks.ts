import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, minSeq, unwrap } from './client';
import { keys } from './queries';

/** `GET …/history/diff`: the RFC 6902 patch between a materialization and the one before it in its partition. */
export function usePayloadDiff(slug: string, assetId: string, toSeq: number | null) {
  return useQuery({
    queryKey: ['diff', slug, assetId, toSeq],
    enabled: toSeq !== null,
    queryFn: async () =>
      unwrap(
        await api.GET('/workflows/{slug}/assets/{assetId}/history/diff', {
          params: { path: { slug, assetId }, query: { to: toSeq!, ...minSeq() } },
        }),
      ).data,
  });
}

/** `POST /workflow-runs/:runId/rerun` (scope workflows:run): the new run. */
export function useRerun(runId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST('/workflow-runs/{runId}/rerun', {
          params: { path: { runId } },
          body: { triggeredBy: 'assets-ui' },
        }),
      ).data,
    onSuccess: (run) => {
      client.setQueryData(keys.run(run.id), run);
      void client.invalidateQueries({ queryKey: ['runs', run.workflowSlug] });
    },
  });
}
