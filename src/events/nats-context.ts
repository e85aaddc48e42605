import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  jetstream,
  jetstreamManager,
  type JetStreamClient,
  type JetStreamManager,
  type JetStreamPublishOptions,
  type PubAck,
} from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import type { NatsSecurity } from '../config/app-config.js';
import { asNatsMisconfiguration, assertNatsFiles, natsSecurityOptions } from './nats-auth.js';
import { publishRetrying, type PublishRetryReason } from './publish-retry.js';
import { checkServerVersion } from './server-version.js';
import { ensureBucket, reconcileStreams } from './streams.js';
import { subjectsFor, type Subjects } from './subjects.js';

/** One NATS connection with its JetStream handles and the names for the configured prefix. */
export interface NatsContext {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  subjects: Subjects;
  leases: KV;
  runs: KV;
  /** The server's real `max_payload` (bytes), read from the connection. */
  maxPayload: number;
  /** The version of the server this connection reached first (`2.9.10`). */
  serverVersion: string;
  /** Started on a server with the clustered expected-sequence race because told to (`serverVersionProblem`). */
  versionWarning: string | null;
  /** False while the client is disconnected (requests would only wait for their timeout). */
  isConnected(): boolean;
  /** Called each time the connection comes back after a disconnect. */
  onReconnect(listener: () => void): () => void;
  /** Called each time the connection is lost (requests in flight on it will get no answer). */
  onDisconnect(listener: () => void): () => void;
  /**
   * A JetStream publish that is sent again (same headers, so the same `Nats-Msg-Id`) while its stream has no leader
   * or its ack is late, within a few seconds (`publishRetrying`). Only for publishes that are safe to repeat.
   */
  publish(subject: string, payload: string, options?: Partial<JetStreamPublishOptions>): Promise<PubAck>;
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
  /** `APPHUB_ALLOW_UNSAFE_NATS_VERSION`: start with replicas > 1 on a server older than 2.9.20 anyway. */
  allowUnsafeServerVersion?: boolean;
  /** Told when the connection drops and when it is back (with the server it reached): for the log. */
  onConnectionChange?: (change: ConnectionChange) => void;
  /** Told each time a publish is sent again, and why: for the metrics. */
  onPublishRetry?: (reason: PublishRetryReason) => void;
}

const contexts = new WeakMap<object, NatsContext>();

/** Records the connection behind a set of ports (`eventPortsFor`). */
export function rememberContext(ports: object, nats: NatsContext): void {
  contexts.set(ports, nats);
}

/**
 * The connection behind ports built by `eventPortsFor`: for tests that inspect the stream or the buckets directly.
 * Application code outside `src/events` cannot reach it (the dependency-cruiser rule `nats-context-private-to-events`).
 */
export function natsContextOf(ports: object): NatsContext {
  const nats = contexts.get(ports);
  if (!nats) throw new Error('these ports were not built by eventPortsFor');
  return nats;
}

/** The client lost its server (`disconnect`) or reached one again (`reconnect`): `server` is which. */
export interface ConnectionChange {
  type: 'disconnect' | 'reconnect';
  server: string;
}

/** How long one connection attempt (first connect or reconnect) waits for the server's greeting. */
const DIAL_TIMEOUT_MS = 2000;

/** JetStream API requests give up after this long (publishes: `PUBLISH_ATTEMPT_TIMEOUT_MS`, retried). */
const REQUEST_TIMEOUT_MS = 3000;

/**
 * Connects, reconciles streams and KV buckets (idempotent), and returns the handles. Refused credentials, missing
 * permissions, certificates that do not verify and missing files fail with `MisconfigurationError` (not retried).
 */
export async function openNatsContext(options: NatsContextOptions): Promise<NatsContext> {
  assertNatsFiles(options.security);
  const nc = await connectTo(options).catch((error: unknown) => {
    throw asNatsMisconfiguration(error, options.security);
  });
  try {
    return await setUp(nc, options);
  } catch (error) {
    await nc.close().catch(() => undefined);
    throw asNatsMisconfiguration(error, options.security);
  }
}

function connectTo(options: NatsContextOptions): Promise<NatsConnection> {
  const servers = options.natsUrl.split(',').map((server) => server.trim());
  return connect({
    servers,
    name: options.name ?? 'apphub-assets',
    maxReconnectAttempts: -1,
    // A server that is not tried recently is dialled at once; the wait only paces rounds over every server.
    reconnectTimeWait: 250,
    reconnectJitter: 100,
    // A server that dies with its host (or is cut off) closes no socket: the client notices only when two pings go
    // unanswered, 4-6 s with these values (15 s with the 5 s interval before; nats.js defaults to 2 minutes).
    pingInterval: 2000,
    maxPingOut: 2,
    // Each dial waits this long for the server's greeting (nats.js: 20 s). A stopped server's kernel still accepts
    // the connection, and the drill with a stopped stream leader saw every client wait on it until it resumed (12 s)
    // instead of going to a live node.
    timeout: DIAL_TIMEOUT_MS,
    noAsyncTraces: true,
    ...natsSecurityOptions(options.security),
  });
}

async function setUp(nc: NatsConnection, options: NatsContextOptions): Promise<NatsContext> {
  coalesceWrites(nc);
  // Before any stream is declared: a refused server gets no replicated stream from us.
  const serverVersion = nc.info?.version ?? '';
  const versionWarning = checkServerVersion(
    serverVersion,
    options.streamReplicas,
    options.allowUnsafeServerVersion ?? false,
  );
  // A failed reconcile leaves no connection behind: openNatsContext closes it (it would keep a process alive).
  const { js, jsm, subjects, leases, runs } = await declare(nc, options);
  const status = trackStatus(nc, options.onConnectionChange);
  const isConnected = () => status.connected && !nc.isClosed();
  return {
    nc,
    js,
    jsm,
    subjects,
    leases,
    runs,
    maxPayload: nc.info?.max_payload ?? 1024 * 1024,
    serverVersion,
    versionWarning,
    isConnected,
    onReconnect: status.onReconnect,
    onDisconnect: status.onDisconnect,
    publish: (subject, payload, publishOptions = {}) =>
      publishRetrying(
        { js, isConnected, onDisconnect: status.onDisconnect },
        subject,
        payload,
        publishOptions,
        options.onPublishRetry,
      ),
    close: async () => {
      if (!nc.isClosed()) await nc.drain().catch(() => nc.close());
    },
  };
}

/** The JetStream handles, with the streams and KV buckets reconciled to their declarations. */
async function declare(nc: NatsConnection, options: NatsContextOptions) {
  const jsm = await jetstreamManager(nc, { timeout: REQUEST_TIMEOUT_MS });
  const js = jetstream(nc, { timeout: REQUEST_TIMEOUT_MS });
  const subjects = subjectsFor(options.subjectPrefix);
  await reconcileStreams(jsm, subjects, options.streamReplicas);
  const kvm = new Kvm(nc);
  const leases = await ensureBucket(kvm, jsm, subjects.buckets.leases, {
    ttl: options.leaseTtlMs,
    replicas: options.streamReplicas,
    history: 1,
  });
  const runs = await ensureBucket(kvm, jsm, subjects.buckets.runs, { replicas: options.streamReplicas, history: 1 });
  return { js, jsm, subjects, leases, runs };
}

function trackStatus(nc: NatsConnection, onChange: (change: ConnectionChange) => void = () => undefined) {
  const reconnectListeners = new Set<() => void>();
  const disconnectListeners = new Set<() => void>();
  const listen = (listeners: Set<() => void>) => (listener: () => void) => {
    listeners.add(listener);
    return () => void listeners.delete(listener);
  };
  const state = {
    connected: true,
    onReconnect: listen(reconnectListeners),
    onDisconnect: listen(disconnectListeners),
  };
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect') {
        state.connected = false;
        onChange({ type: 'disconnect', server: status.server });
        for (const listener of [...disconnectListeners]) listener();
      } else if (status.type === 'reconnect') {
        state.connected = true;
        onChange({ type: 'reconnect', server: status.server });
        for (const listener of [...reconnectListeners]) listener();
      }
    }
  })().catch(() => undefined);
  return state;
}

/** What `coalesceWrites` touches of the client's protocol handler (nats.js v3 internals, checked before use). */
interface ProtocolInternals {
  outbound: { fill(buffer: Uint8Array, ...payloads: Uint8Array[]): void; size(): number };
  pendingLimit: number;
  sendCommand(cmd: string | Uint8Array, ...payloads: Uint8Array[]): void;
  flushPending(): void;
}

/**
 * The client writes its outbound buffer to the socket one microtask after the first command; when commands come
 * from many independent callbacks (HTTP requests, consumer batches) each becomes its own write syscall, which cost
 * a third of the API process's CPU under load. Flushing at `setImmediate` instead puts every command of one event
 * loop turn into one write; order is kept (one buffer), large buffers still flush at once. Skipped (with no harm)
 * if the client's internals are not what this expects.
 */
export function coalesceWrites(nc: NatsConnection): boolean {
  const protocol = (nc as unknown as { protocol?: Partial<ProtocolInternals> }).protocol;
  if (
    !protocol ||
    typeof protocol.sendCommand !== 'function' ||
    typeof protocol.flushPending !== 'function' ||
    typeof protocol.outbound?.fill !== 'function' ||
    typeof protocol.outbound?.size !== 'function' ||
    typeof protocol.pendingLimit !== 'number'
  )
    return false;
  const handler = protocol as ProtocolInternals;
  const encoder = new TextEncoder();
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    handler.flushPending();
  };
  handler.sendCommand = (cmd, ...payloads) => {
    handler.outbound.fill(typeof cmd === 'string' ? encoder.encode(cmd) : cmd, ...payloads);
    if (handler.outbound.size() >= handler.pendingLimit) return handler.flushPending();
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
  return true;
}
