import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { freePort } from './service-process.js';
import { eventually } from './waiting.js';

/** One nats-server of the cluster: its client and route ports and its own JetStream store. */
export interface ClusterNode {
  name: string;
  port: number;
  clusterPort: number;
  storeDir: string;
  child: ChildProcess | undefined;
}

const PROBE = 'apphub_cluster_probe';

/** Every cluster node still running; a test file that fails before its cleanup leaves none behind. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Three local nats-servers routed to each other (loopback ports of their own, JetStream stores in a temporary
 * folder), for drills with R3 streams: start, wait for the JetStream meta leader, find a stream's leader, kill -9,
 * stop and restart nodes, and remove everything at the end.
 */
export class NatsCluster {
  private constructor(
    readonly nodes: ClusterNode[],
    private readonly root: string,
  ) {}

  static async start(size = 3): Promise<NatsCluster> {
    const root = mkdtempSync(join(tmpdir(), 'apphub-nats-cluster-'));
    const nodes: ClusterNode[] = [];
    for (let i = 1; i <= size; i++)
      nodes.push({
        name: `n${i}`,
        port: await freePort(),
        clusterPort: await freePort(),
        storeDir: join(root, `n${i}`),
        child: undefined,
      });
    const cluster = new NatsCluster(nodes, root);
    for (const node of nodes) cluster.spawn(node);
    await cluster.waitForMetaLeader();
    return cluster;
  }

  /** Every node's client URL, comma-separated (what `NATS_URL` takes). */
  get url(): string {
    return this.nodes.map((node) => `nats://127.0.0.1:${node.port}`).join(',');
  }

  node(name: string): ClusterNode {
    const node = this.nodes.find((candidate) => candidate.name === name);
    if (!node) throw new Error(`no cluster node ${name}`);
    return node;
  }

  /**
   * Resolves once JetStream has a meta leader and every node as a peer: a probe stream with one replica per node can
   * be placed (then it is deleted again).
   */
  async waitForMetaLeader(timeoutMs = 30_000): Promise<void> {
    const config = { name: PROBE, subjects: [`${PROBE}.x`], num_replicas: this.nodes.length, storage: 'memory' };
    await eventually(
      () => this.request(`$JS.API.STREAM.CREATE.${PROBE}`, config).then((created) => !created.error),
      (ready) => ready,
      timeoutMs,
      200,
    );
    await this.request(`$JS.API.STREAM.DELETE.${PROBE}`);
  }

  /** The name of the node that leads `stream` (`$JS.API.STREAM.INFO`), or null while it has none. */
  async streamLeader(stream: string): Promise<string | null> {
    const info = await this.request(`$JS.API.STREAM.INFO.${stream}`);
    return (info?.cluster?.leader as string | undefined) ?? null;
  }

  /** `kill -9` of one node: no flush, no goodbye to its peers. */
  async kill(name: string): Promise<void> {
    const child = this.node(name).child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /** Starts a stopped node again on its ports and store; resolves once it accepts clients. */
  async restart(name: string): Promise<void> {
    const node = this.node(name);
    this.spawn(node);
    await this.waitForMetaLeader();
  }

  async dispose(): Promise<void> {
    for (const node of this.nodes) await this.kill(node.name);
    rmSync(this.root, { recursive: true, force: true });
  }

  private spawn(node: ClusterNode): void {
    const routes = this.nodes.map((peer) => `nats://127.0.0.1:${peer.clusterPort}`).join(',');
    // prettier-ignore
    const args = ['-a', '127.0.0.1', '-p', String(node.port), '-n', node.name, '-js', '-sd', node.storeDir,
      '--cluster_name', 'apphub-drill', '--cluster', `nats://127.0.0.1:${node.clusterPort}`, '--routes', routes];
    const child = spawn('nats-server', args, { stdio: 'ignore' });
    node.child = child;
    running.add(child);
    child.once('exit', () => running.delete(child));
  }

  /** One JetStream API request to whichever running node answers; null when none does. */
  private async request(subject: string, body?: unknown): Promise<any> {
    let nc: NatsConnection | undefined;
    try {
      nc = await connect({ servers: this.url.split(','), timeout: 1000, maxReconnectAttempts: 0 });
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const reply = await nc.request(subject, payload, { timeout: 1500 });
      return reply.json();
    } catch {
      return { error: 'no answer' };
    } finally {
      await nc?.close().catch(() => undefined);
    }
  }
}
