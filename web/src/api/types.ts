import type { paths } from './schema';

type Body<R> = R extends { content: { 'application/json': infer B } } ? B : never;
type Success<Op> = Op extends { responses: infer R }
  ? 200 extends keyof R
    ? Body<R[200]>
    : 201 extends keyof R
      ? Body<R[201]>
      : 202 extends keyof R
        ? Body<R[202]>
        : never
  : never;

/** The JSON body of a successful answer of `METHOD path`. */
export type ResponseOf<P extends keyof paths, M extends keyof paths[P]> = Success<paths[P][M]>;

export type Workflow = ResponseOf<'/workflows/{slug}', 'get'>['data'];
export type WorkflowStep = Workflow['steps'][number];
export type AssetDeclaration = NonNullable<WorkflowStep['produces']>[number];
export type Run = ResponseOf<'/workflow-runs/{runId}', 'get'>['data'];
export type RunStatus = Run['status'];
export type AutoMaterializeView = ResponseOf<'/workflows/{slug}/auto-materialize', 'get'>['data'];
export type InFlight = AutoMaterializeView['inFlight'][number];
export type Backoff = AutoMaterializeView['backoff'][number];
export type Decision = AutoMaterializeView['decisions'][number];
export type Inventory = NonNullable<ResponseOf<'/workflows/{slug}/assets', 'get'>['data']>;
export type InventoryAsset = NonNullable<Inventory['assets']>[number];
export type AssetRole = NonNullable<InventoryAsset['producers']>[number];
export type Materialization = NonNullable<InventoryAsset['latest']>;
export type HistoryPage = ResponseOf<'/workflows/{slug}/assets/{assetId}/history', 'get'>;
export type PartitionsPage = ResponseOf<'/workflows/{slug}/assets/{assetId}/partitions', 'get'>;
export type Partition = NonNullable<NonNullable<PartitionsPage['data']>['partitions']>[number];
export type CatalogPage = ResponseOf<'/assets', 'get'>;
export type CatalogAsset = NonNullable<NonNullable<CatalogPage['data']>['assets']>[number];
export type AssetDetail = NonNullable<ResponseOf<'/assets/{assetId}', 'get'>['data']>;
export type Graph = NonNullable<ResponseOf<'/assets/graph', 'get'>['data']>;
export type GraphNode = NonNullable<Graph['assets']>[number];
export type GraphEdge = NonNullable<Graph['edges']>[number];

/** Partitioning as declared (static, timeWindow or dynamic). */
export type Partitioning = NonNullable<AssetDeclaration['partitioning']>;
export type Freshness = NonNullable<AssetDeclaration['freshness']>;
export type AutoMaterializePolicy = NonNullable<AssetDeclaration['autoMaterialize']>;
export type Backfill = ResponseOf<'/workflows/{slug}/backfills', 'get'>['data'][number];
