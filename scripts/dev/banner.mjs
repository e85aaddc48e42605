// What `npm run dev` prints once the service is ready. Edit freely: nothing parses it.

/**
 * @param {{ port: string, token?: string, nats: { url: string, origin: string },
 *           postgres: { url: string, origin: string } }} facts
 */
export function banner({ port, token, nats, postgres }) {
  const base = `localhost:${port}`;
  const auth = `-H 'authorization: Bearer ${token ?? '<your token>'}'`;
  const json = `-H 'content-type: application/json'`;
  return [
    '',
    `apphub-assets is ready at http://${base}`,
    `  Console             http://${base}/ui/  (paste the operator token under "Operator token" to act)`,
    `  API docs (OpenAPI)  http://${base}/docs`,
    `  Live events (SSE)   curl -N ${base}/events?subjects=asset.%3E`,
    `  operator token      ${token ?? '(one of your APPHUB_OPERATOR_TOKENS)'}`,
    `  NATS                ${nats.url}  (${nats.origin})`,
    `  Postgres            ${withoutPassword(postgres.url)}  (${postgres.origin})`,
    '',
    'Try it:',
    `  curl -s ${base}/workflows | jq`,
    `  curl -s ${base}/assets | jq`,
    `  curl -s -X POST ${auth} ${json} ${base}/workflows/directory-insights-report/run -d '{}' | jq`,
    `  curl -s ${base}/workflows/directory-insights-report/assets | jq`,
    `  curl -s ${base}/workflows/retail-sales-daily-ingest/run -X POST ${auth} ${json} -d '{"partitionKey":"2024-01-01"}' | jq`,
    '',
    'Ctrl-C stops the service (and the NATS / Postgres that npm run dev started, if any).',
    '',
  ].join('\n');
}

function withoutPassword(url) {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}
