import Fastify from 'fastify';

/** How the receiver answers the next POST: an HTTP status, or a function of the body (which may hold the answer). */
export type ReceiverMode = number | ((body: string) => number | Promise<number>);

/**
 * A small OpenLineage HTTP receiver (the `POST /api/v1/lineage` of Marquez) for tests: keeps the raw bytes of every
 * body it accepted (2xx), counts every request, answers as `mode` says.
 */
export async function startLineageReceiver(initial: ReceiverMode = 201) {
  let mode: ReceiverMode = initial;
  const accepted: string[] = [];
  const requests: Array<{ status: number; authorization: string | undefined }> = [];
  const app = Fastify({ logger: false, bodyLimit: 8 * 1024 * 1024 });
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => done(null, body));
  app.post('/api/v1/lineage', async (request, reply) => {
    const body = request.body as string;
    const status = typeof mode === 'number' ? mode : await mode(body);
    requests.push({ status, authorization: request.headers.authorization });
    if (status >= 200 && status < 300) accepted.push(body);
    return reply.status(status).send(status >= 400 ? { error: `answered ${status}` } : '');
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    accepted,
    requests,
    setMode(next: ReceiverMode) {
      mode = next;
    },
    close: () => app.close(),
  };
}

/** The workflow-run id an OpenLineage event belongs to: its parent's for a step, its own for a workflow run. */
export function workflowRunOf(body: string): string {
  const event = JSON.parse(body) as { run: { runId: string; facets?: { parent?: { run: { runId: string } } } } };
  return event.run.facets?.parent?.run.runId ?? event.run.runId;
}

/** Bodies grouped by workflow run, each group in the order received. */
export function byWorkflowRun(bodies: readonly string[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const body of bodies) groups.set(workflowRunOf(body), [...(groups.get(workflowRunOf(body)) ?? []), body]);
  return groups;
}
