import { Metrics } from './metrics.js';

/** Issue 21 item 7: alert rules see 0 from the start, not "no data" until something first happens. */
describe('metrics at start', () => {
  const values = async (metrics: Metrics, name: string) =>
    (await metrics.registry.getSingleMetric(name)!.get()).values.map((value) => ({
      labels: value.labels,
      value: value.value,
    }));

  it('has a 0 series for every shed reason', async () => {
    expect(await values(new Metrics(false), 'apphub_http_requests_shed_total')).toEqual([
      { labels: { reason: 'inflight' }, value: 0 },
      { labels: { reason: 'eventLoopDelay' }, value: 0 },
    ]);
  });

  it('has 0 failures of each kind for a consumer it knows', async () => {
    const metrics = new Metrics(false);
    metrics.knowConsumer('materializer');
    expect(await values(metrics, 'apphub_consumer_failures_total')).toEqual([
      { labels: { consumer: 'materializer', kind: 'transient' }, value: 0 },
      { labels: { consumer: 'materializer', kind: 'other' }, value: 0 },
    ]);
  });

  it('reports 0 dead letters for known consumers and the count for those with some', async () => {
    const metrics = new Metrics(false);
    metrics.setDeadLetters(['materializer', 'read_models'], new Map([['read_models', 2]]));
    expect(await values(metrics, 'apphub_dead_letters')).toEqual([
      { labels: { consumer: 'materializer' }, value: 0 },
      { labels: { consumer: 'read_models' }, value: 2 },
    ]);
    metrics.setDeadLetters(['materializer', 'read_models'], new Map());
    expect(await values(metrics, 'apphub_dead_letters')).toEqual([
      { labels: { consumer: 'materializer' }, value: 0 },
      { labels: { consumer: 'read_models' }, value: 0 },
    ]);
  });
});
