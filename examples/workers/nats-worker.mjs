#!/usr/bin/env node
// A worker in another process that takes job steps over NATS (DESIGN §3 Jobs) — copy it as a starting point.
//
//   NATS_URL=nats://127.0.0.1:4222 APPHUB_SUBJECT_PREFIX=apphub JOB_SLUG=my-job node examples/workers/nats-worker.mjs
//
// It binds to the job's shared durable `<prefix>-job-<jobSlug>` on the `<PREFIX>_JOBS` work-queue stream
// (creating it when missing), runs each dispatch, reports with a NATS request to `<prefix>_job.complete`
// (same body and answer as POST /workflow-runs/:runId/steps/:stepId/complete), calls working() while busy,
// and acks the dispatch only after the completion was answered — so a crash redelivers, and a repeated
// completion of the same attempt is answered with the original result.
import { connect } from '@nats-io/transport-node';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';

const servers = (process.env.NATS_URL ?? 'nats://127.0.0.1:4222').split(',');
const prefix = process.env.APPHUB_SUBJECT_PREFIX ?? 'apphub';
const jobSlug = process.env.JOB_SLUG ?? 'external-job';
const stream = `${prefix.toUpperCase().replace(/-/g, '_')}_JOBS`;
const durable = `${prefix}-job-${jobSlug}`;

/** The work itself: replace with yours. Returns the step result; `assets` is what gets recorded. */
async function work(job) {
  const assetId = job.parameters.assetId ?? process.env.ASSET_ID;
  return {
    status: 'succeeded',
    result: { assets: assetId ? [{ assetId, payload: { worker: 'nats-worker', runId: job.runId, parameters: job.parameters } }] : [] },
  };
}

const nc = await connect({ servers, name: `worker-${jobSlug}` });
const jsm = await jetstreamManager(nc);
try {
  await jsm.consumers.info(stream, durable);
} catch {
  await jsm.consumers.add(stream, {
    durable_name: durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    filter_subject: `${prefix}_job.dispatch.${jobSlug}`,
    ack_wait: 30_000_000_000,
    max_deliver: -1,
  });
}
const consumer = await jetstream(nc).consumers.get(stream, durable);
const messages = await consumer.consume({ max_messages: 4 });
process.on('SIGTERM', () => messages.stop());
process.on('SIGINT', () => messages.stop());
console.log(JSON.stringify({ msg: 'worker ready', jobSlug, durable }));

for await (const message of messages) {
  const job = message.json();
  const heartbeat = setInterval(() => message.working(), 10_000);
  try {
    let outcome;
    try {
      outcome = await work(job);
    } catch (error) {
      outcome = { status: 'failed', error: { message: String(error?.message ?? error), code: 'worker_error' } };
    }
    const reply = await nc.request(`${prefix}_job.complete`, JSON.stringify({ runId: job.runId, stepId: job.stepId, attempt: job.attempt, ...outcome }), { timeout: 10_000 });
    const answer = reply.json();
    console.log(JSON.stringify({ msg: 'completed', runId: job.runId, stepId: job.stepId, attempt: job.attempt, status: answer.status, result: answer.body?.data?.status ?? answer.body?.code }));
    message.ack();
  } catch (error) {
    console.error(JSON.stringify({ msg: 'completion failed; will be redelivered', error: String(error) }));
    message.nak(2000);
  } finally {
    clearInterval(heartbeat);
  }
}
await nc.drain();
