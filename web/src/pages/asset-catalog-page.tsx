import { useId, useState } from 'react';
import { Link } from 'react-router';
import { useCatalog } from '../api/queries';
import type { CatalogAsset } from '../api/types';
import { Chips } from '../components/badges';
import { Empty, ErrorState, Loading } from '../components/states';
import { TableRegion } from '../components/table';
import { Time } from '../components/time';
import { partitioningLabel, policyChips } from '../logic/policy';
import { usePageTitle } from './page-title';

/** The chips of an asset from its producers: partitioning and policy. */
export function catalogChips(asset: Pick<CatalogAsset, 'producers'>): string[] {
  const producer = asset.producers?.[0];
  if (!producer) return ['No producer'];
  return [partitioningLabel(producer.partitioning as never), ...policyChips(producer.autoMaterialize as never)];
}

export function AssetCatalogPage() {
  usePageTitle('Assets');
  const catalog = useCatalog();
  const [search, setSearch] = useState('');
  const id = useId();
  const assets = (catalog.data?.pages.flatMap((page) => page.data?.assets ?? []) ?? []).filter((asset) =>
    (asset.assetId ?? '').toLowerCase().includes(search.trim().toLowerCase()),
  );
  return (
    <section aria-labelledby="catalog-title">
      <h1 id="catalog-title">Assets</h1>
      <p>
        Every asset a workflow produces or consumes. <Link to="/assets/graph">Open the lineage graph</Link>.
      </p>
      <div className="filters">
        <label htmlFor={`${id}-search`}>Filter by asset id</label>
        <input id={`${id}-search`} type="search" value={search} onChange={(e) => setSearch(e.target.value)} />
      </div>
      {catalog.isPending ? (
        <Loading what="assets" />
      ) : catalog.isError ? (
        <ErrorState error={catalog.error} onRetry={() => void catalog.refetch()} />
      ) : assets.length === 0 ? (
        <Empty>
          {search ? 'No loaded asset matches this filter.' : 'No assets yet: register a workflow that declares some.'}
        </Empty>
      ) : (
        <TableRegion label="Assets">
          <table>
            <thead>
              <tr>
                <th scope="col">Asset</th>
                <th scope="col">Producers</th>
                <th scope="col">Consumers</th>
                <th scope="col">Partitioning and policy</th>
                <th scope="col">Partitions</th>
                <th scope="col">Latest materialization</th>
              </tr>
            </thead>
            <tbody>
              {assets.map((asset) => (
                <tr key={asset.assetId}>
                  <td>
                    <Link to={`/assets/${encodeURIComponent(asset.assetId ?? '')}`}>{asset.assetId}</Link>
                  </td>
                  <td>{(asset.producers ?? []).map((p) => p.workflowSlug).join(', ') || '—'}</td>
                  <td>{(asset.consumers ?? []).map((c) => c.workflowSlug).join(', ') || '—'}</td>
                  <td>
                    <Chips items={catalogChips(asset)} />
                  </td>
                  <td className="num">{asset.partitionCount ?? 0}</td>
                  <td>{asset.latest ? <Time at={asset.latest.producedAt} /> : 'Never'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableRegion>
      )}
      {catalog.hasNextPage ? (
        <button type="button" onClick={() => void catalog.fetchNextPage()} disabled={catalog.isFetchingNextPage}>
          {catalog.isFetchingNextPage ? 'Loading…' : 'Load more assets'}
        </button>
      ) : null}
    </section>
  );
}
