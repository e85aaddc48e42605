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
