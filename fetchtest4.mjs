import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, DeliverPolicy } from '@nats-io/jetstream';
const nc = await connect({ servers: 'nats://127.0.0.1:4222' });
const jsm = await jetstreamManager(nc);
const name = 'FT_' + process.pid;
const subj = `ft${process.pid}`;
await jsm.streams.add({ name, subjects: [`${subj}.>`] });
const js = jetstream(nc);
let stop = false;
(async () => { while (!stop) { for (let i = 0; i < 14; i++) js.publish(`${subj}.a`, JSON.stringify({ t: Date.now() })); await new Promise(r => setTimeout(r, 10)); } })();
const c = await js.consumers.get(name, { filter_subjects: `${subj}.>`, deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: 1 });
const t00 = Date.now();
let maxLag = 0;
const slow = Number(process.argv[2] ?? 5);
while (Date.now() - t00 < 40000) {
  const t0 = Date.now();
  const it = await c.fetch({ max_messages: 10000, expires: 2000 });
  let n = 0;
  for await (const m of it) { n++; const lag = Date.now() - m.json().t; if (lag > 300) console.log('lag', lag, 'at msg', n, 'seq', m.seq, 'fetch age', Date.now() - t0); maxLag = Math.max(maxLag, lag);
    if (n % 20 === 0) await new Promise(r => setTimeout(r, slow)); }
  if (Date.now() - t0 > 2100) console.log('fetch got', n, 'in', Date.now() - t0);
}
stop = true;
console.log('max lag', maxLag);
await jsm.streams.delete(name);
await nc.close();
