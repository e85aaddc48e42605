import { useQuery } from '@tanstack/react-query';
import { useId, useSyncExternalStore } from 'react';
import { api, unwrap } from '../api/client';
import { readToken, subscribeToken } from '../api/token';
import { Chip, Chips } from '../components/badges';
import { Empty, ErrorState, Loading } from '../components/states';
import { TableRegion } from '../components/table';
import { Time } from '../components/time';
import { deliveryState, lastFailure } from '../logic/webhook-deliveries';
import { usePageTitle } from './page-title';

/** Registered webhooks with their last deliveries and failures (scope workflows:write: set an operator token). */
export function WebhooksPage() {
  usePageTitle('Webhooks');
  const token = useSyncExternalStore(subscribeToken, readToken, () => null);
  const webhooks = useQuery({
    queryKey: ['webhooks', token],
    queryFn: async () => unwrap(await api.GET('/webhooks')).data,
    refetchInterval: 5000,
  });
  return (
    <section aria-labelledby="webhooks-title">
      <h1 id="webhooks-title">Webhooks</h1>
      {webhooks.isPending ? (
        <Loading what="the webhooks" />
      ) : webhooks.isError ? (
        <ErrorState error={webhooks.error} onRetry={() => void webhooks.refetch()} />
      ) : webhooks.data.length === 0 ? (
        <Empty>No webhook is registered (POST /webhooks).</Empty>
      ) : (
        webhooks.data.map((webhook) => <WebhookPanel key={webhook.id} webhook={webhook} token={token} />)
      )}
    </section>
  );
}

function WebhookPanel({
  webhook,
  token,
}: {
  webhook: { id: string; url: string; assets: string[]; events: string[]; createdAt: string };
  token: string | null;
}) {
  const id = useId();
  const deliveries = useQuery({
    queryKey: ['webhook-deliveries', webhook.id, token],
    queryFn: async () =>
      unwrap(await api.GET('/webhooks/{id}/deliveries', { params: { path: { id: webhook.id }, query: { limit: 20 } } }))
        .data,
    refetchInterval: 3000,
  });
  return (
    <section className="panel" aria-labelledby={`${id}-title`} data-testid="webhook">
      <h2 id={`${id}-title`}>
        <code>{webhook.url}</code>
      </h2>
      <p>
        <Chips items={webhook.assets} /> · <Chips items={webhook.events} /> · since <Time at={webhook.createdAt} />
      </p>
      {deliveries.isPending ? (
        <Loading what="deliveries" />
      ) : deliveries.isError ? (
        <ErrorState error={deliveries.error} />
      ) : deliveries.data.length === 0 ? (
        <Empty>Nothing delivered yet.</Empty>
      ) : (
        <TableRegion label="Last deliveries">
          <table>
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">Asset</th>
                <th scope="col">Status</th>
                <th scope="col">Attempts</th>
                <th scope="col">Last failure</th>
                <th scope="col">Delivered</th>
              </tr>
            </thead>
            <tbody>
              {deliveries.data.map((delivery) => {
                const state = deliveryState(delivery);
                return (
                  <tr key={delivery.id} data-testid="webhook-delivery">
                    <td>
                      {delivery.eventType} <span className="muted">#{delivery.eventSeq}</span>
                    </td>
                    <td>
                      <code>{delivery.assetId}</code>
                    </td>
                    <td>
                      <Chip tone={state.tone}>{state.label}</Chip>
                    </td>
                    <td className="num">{delivery.attempts}</td>
                    <td>{lastFailure(delivery) ?? '—'}</td>
                    <td>
                      <Time at={delivery.deliveredAt} />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </TableRegion>
      )}
    </section>
  );
}
