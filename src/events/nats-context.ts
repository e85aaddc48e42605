import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import type { NatsSecurity } from '../config/app-config.js';
import { natsSecurityOptions } from './nats-auth.js';
import { reconcileStreams } from './streams.js';
import { subjectsFor, type Subjects } from './subjects.js';

/** One NATS connection with its JetStream handles and the names for the configured prefix. */
export interface NatsContext {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  subjects: Subjects;
  leases: KV;
  runs: KV;
  close(): Promise<void>;
}

export interface NatsContextOptions {
  natsUrl: string;
  subjectPrefix: string;
  streamReplicas: number;
  leaseTtlMs: number;
  name?: string;
  /** Credentials and TLS (`NATS_USER`, `NATS_TLS_CA_FILE`, …). */
  security?: NatsSecurity;
}

/** Connects, reconciles streams and KV buckets (idempotent), and returns the handles. */
export async function openNatsContext(options: NatsContextOptions): Promise<NatsContext> {
  const servers = options.natsUrl.split(',').map((server) => server.trim());
  const nc = await connect({
    servers,
    name: options.name ?? 'apphub-assets',
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    noAsyncTraces: true,
    ...natsSecurityOptions(options.security),
  });
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  const subjects = subjectsFor(options.subjectPrefix);
  await reconcileStreams(jsm, subjects, options.streamReplicas);
  const kvm = new Kvm(nc);
  const leases = await kvm.create(subjects.buckets.leases, {
    ttl: options.leaseTtlMs,
    replicas: options.streamReplicas,
    history: 1,
  });
  const runs = await kvm.create(subjects.buckets.runs, { replicas: options.streamReplicas, history: 1 });
  return {
    nc,
    js,
    jsm,
    subjects,
    leases,
    runs,
    close: async () => {
      if (!nc.isClosed()) await nc.drain();
    },
  };
}
