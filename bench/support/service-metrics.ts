/** Prometheus samples of one scrape: `name{labels}` → value. */
export type Samples = Map<string, number>;

/** Scrapes `/metrics` of a running service. */
export async function scrape(baseUrl: string): Promise<Samples> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const samples: Samples = new Map();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const space = line.lastIndexOf(' ');
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return samples;
}

/** The sum of every sample whose key starts with `name` (all label sets) in `after` minus `before`. */
export function delta(before: Samples, after: Samples, name: string, labels = ''): number {
  let total = 0;
  for (const [key, value] of after) {
    if (!key.startsWith(name) || (key.length > name.length && key[name.length] !== '{')) continue;
    if (labels && !key.includes(labels)) continue;
    total += value - (before.get(key) ?? 0);
  }
  return total;
}

/** Mean seconds per batch of each consumer × phase between two scrapes, with the batch count. */
export function batchTimes(before: Samples, after: Samples): Array<[string, string]> {
  const rows: Array<[string, string]> = [];
  for (const [key, value] of after) {
    const match = /^apphub_consumer_batch_seconds_count\{consumer="([^"]+)",phase="([^"]+)"\}$/.exec(key);
    if (!match) continue;
    const count = value - (before.get(key) ?? 0);
    if (count <= 0) continue;
    const sumKey = key.replace('_count{', '_sum{');
    const sum = (after.get(sumKey) ?? 0) - (before.get(sumKey) ?? 0);
    rows.push([`${match[1]} ${match[2]}`, `${count} batches, mean ${((sum / count) * 1000).toFixed(2)} ms`]);
  }
  return rows;
}

/**
 * The p-th percentile (ms) of a histogram between two scrapes, summed over processes, interpolated linearly inside
 * the bucket that holds it (as Prometheus' `histogram_quantile` does). `labels` selects one label set, e.g.
 * `stage="committed"`. NaN when nothing was observed.
 */
export function histogramPercentile(
  pairs: ReadonlyArray<[Samples, Samples]>,
  name: string,
  labels: string,
  p: number,
): number {
  const counts = new Map<number, number>();
  for (const [before, after] of pairs) {
    for (const [key, value] of after) {
      if (!key.startsWith(`${name}_bucket{`) || !key.includes(labels)) continue;
      const le = /le="([^"]+)"/.exec(key)![1]!;
      const bound = le === '+Inf' ? Infinity : Number(le);
      counts.set(bound, (counts.get(bound) ?? 0) + value - (before.get(key) ?? 0));
    }
  }
  const bounds = [...counts.keys()].sort((a, b) => a - b);
  const total = counts.get(Infinity) ?? 0;
  if (total <= 0) return NaN;
  const rank = (p / 100) * total;
  let lower = 0;
  let below = 0;
  for (const bound of bounds) {
    const cumulative = counts.get(bound)!;
    if (cumulative >= rank) {
      if (bound === Infinity) return lower * 1000;
      const inBucket = cumulative - below;
      const fraction = inBucket > 0 ? (rank - below) / inBucket : 1;
      return (lower + (bound - lower) * fraction) * 1000;
    }
    lower = bound;
    below = cumulative;
  }
  return lower * 1000;
}
