import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { lazy, Suspense } from 'react';
import { BrowserRouter, Link, Route, Routes } from 'react-router';
import { ApiError } from './api/problem';
import { Layout } from './components/layout';
import { Loading } from './components/states';
import { LiveEventsProvider } from './live/live-events';
import { AssetCatalogPage } from './pages/asset-catalog-page';
import { AssetDetailPage } from './pages/asset-detail-page';
import { usePageTitle } from './pages/page-title';
import { RunDetailPage } from './pages/run-detail-page';
import { WebhooksPage } from './pages/webhooks-page';
import { WorkflowDetailPage } from './pages/workflow-detail-page';
import { WorkflowsPage } from './pages/workflows-page';

// The graph page brings React Flow and dagre: loaded when first opened.
const LineageGraphPage = lazy(async () => ({ default: (await import('./pages/lineage-graph-page')).LineageGraphPage }));

/** Client errors (4xx) are answers, not glitches: never retried. A lagging read model (503) is retried briefly. */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 10_000,
        refetchOnWindowFocus: false,
        retry: (count, error) => count < 3 && !(error instanceof ApiError && error.status >= 400 && error.status < 500),
      },
    },
  });
}

export function AppRoutes() {
  return (
    <Routes>
      <Route element={<Layout />}>
        <Route index element={<WorkflowsPage />} />
        <Route path="workflows/:slug" element={<WorkflowDetailPage />} />
        <Route path="assets" element={<AssetCatalogPage />} />
        <Route
          path="assets/graph"
          element={
            <Suspense fallback={<Loading what="the lineage graph" />}>
              <LineageGraphPage />
            </Suspense>
          }
        />
        <Route path="assets/:assetId" element={<AssetDetailPage />} />
        <Route path="runs/:runId" element={<RunDetailPage />} />
        <Route path="webhooks" element={<WebhooksPage />} />
        <Route path="*" element={<NotFound />} />
      </Route>
    </Routes>
  );
}

function NotFound() {
  usePageTitle('Not found');
  return (
    <section aria-labelledby="not-found-title">
      <h1 id="not-found-title">Page not found</h1>
      <p>
        The console has no page at this address. <Link to="/">Go to the workflows</Link>.
      </p>
    </section>
  );
}

/** The console: served under /ui/ by the service (src/console/), data only through the HTTP API. */
export function App({ client = createQueryClient() }: { client?: QueryClient }) {
  return (
    <QueryClientProvider client={client}>
      <BrowserRouter basename="/ui">
        <LiveEventsProvider>
          <AppRoutes />
        </LiveEventsProvider>
      </BrowserRouter>
    </QueryClientProvider>
  );
}
