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
  /** HTTP monitoring port (`-m`): `/jsz` tells the meta leader and each stream's leader without a system account. */
  monitorPort: number;
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
  /** Nodes stopped with SIGSTOP (`pause`): alive to their peers' sockets, silent otherwise. */
  private readonly paused = new Set<string>();

  private constructor(
    readonly nodes: ClusterNode[],
    private readonly root: string,
  ) {}

  /**
   * Starts a cluster; one that forms no JetStream meta leader within 30 s is removed and started again once, on new
   * ports (a port picked as free can be taken by a parallel test before the node binds it).
   */
  static async start(size = 3): Promise<NatsCluster> {
    try {
      return await NatsCluster.startOnce(size);
    } catch (error) {
      process.stdout.write(`nats cluster did not form (${(error as Error).message}); starting again on new ports\n`);
      return NatsCluster.startOnce(size);
    }
  }

  private static async startOnce(size: number): Promise<NatsCluster> {
    const root = mkdtempSync(join(tmpdir(), 'apphub-nats-cluster-'));
    const nodes: ClusterNode[] = [];
    for (let i = 1; i <= size; i++)
      nodes.push({
        name: `n${i}`,
        port: await freePort(),
        clusterPort: await freePort(),
        monitorPort: await freePort(),
        storeDir: join(root, `n${i}`),
        child: undefined,
      });
    const cluster = new NatsCluster(nodes, root);
    for (const node of nodes) cluster.spawn(node);
    try {
      await cluster.waitForMetaLeader();
    } catch (error) {
      await cluster.dispose();
      throw error;
    }
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

  /**
   * What the running nodes' monitoring endpoints (`/jsz`) say: the JetStream meta leader and `stream`'s leader (the
   * first node that knows one answers; null while no running node does). No request goes through NATS, so it works
   * while the JetStream API has no leader to answer.
   */
  async leaders(stream?: string): Promise<{ meta: string | null; stream: string | null }> {
    let meta: string | null = null;
    let streamLeader: string | null = null;
    // A paused node would only make every poll wait for its monitoring timeout.
    for (const node of this.nodes.filter(
      (candidate) => this.isRunning(candidate) && !this.paused.has(candidate.name),
    )) {
      const jsz = await this.monitor(node, stream === undefined ? '/jsz' : '/jsz?streams=true');
      meta ??= (jsz?.meta_cluster?.leader as string | undefined) || null;
      const detail = (jsz?.account_details ?? []).flatMap((account: any) => account.stream_detail ?? []);
      streamLeader ??= (detail.find((candidate: any) => candidate.name === stream)?.cluster?.leader as string) || null;
    }
    return { meta, stream: streamLeader };
  }

  /** Messages per subject of `stream` matching `filter` (`STREAM.INFO` with `subjects_filter`), or null. */
  async subjectCounts(stream: string, filter: string): Promise<Record<string, number> | null> {
    const info = await this.request(`$JS.API.STREAM.INFO.${stream}`, { subjects_filter: filter });
    return (info?.state?.subjects as Record<string, number> | undefined) ?? null;
  }

  /**
   * What each node's `/jsz` says, for a drill's log when something did not recover: per node, whether it runs, the
   * meta leader it knows, and per stream whose name contains one of `streams` its leader and replicas (current, lag).
   */
  async describe(streams: readonly string[]): Promise<string> {
    const lines: string[] = [];
    for (const node of this.nodes) {
      if (!this.isRunning(node) || this.paused.has(node.name)) {
        lines.push(`${node.name}: ${this.paused.has(node.name) ? 'paused' : 'not running'}`);
        continue;
      }
      const jsz = await this.monitor(node, '/jsz?streams=true');
      if (!jsz) {
        lines.push(`${node.name}: /jsz did not answer`);
        continue;
      }
      const detail = (jsz.account_details ?? []).flatMap((account: any) => account.stream_detail ?? []);
      const shown = detail
        .filter((candidate: any) => streams.some((name) => String(candidate.name).includes(name)))
        .map((candidate: any) => {
          const replicas = (candidate.cluster?.replicas ?? [])
            .map((replica: any) => `${replica.name}${replica.current ? '' : ' (not current)'} lag ${replica.lag ?? 0}`)
            .join(', ');
          return `${candidate.name} led by ${candidate.cluster?.leader ?? 'nobody'} [${replicas}] last ${candidate.state?.last_seq}`;
        });
      lines.push(
        `${node.name}: meta leader ${jsz.meta_cluster?.leader ?? 'none'}; ${shown.join('; ') || 'no such stream'}`,
      );
    }
    return lines.join('\n');
  }

  /**
   * Polls the monitoring endpoints every `everyMs` until the meta leader (`of` = 'meta') or the named stream's leader
   * is a node other than `old`; answers when (epoch ms) and which, or null after `timeoutMs`.
   */
  async newLeader(
    of: string,
    old: string,
    timeoutMs = 30_000,
    everyMs = 25,
  ): Promise<{ at: number; leader: string } | null> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const leaders = await this.leaders(of === 'meta' ? undefined : of);
      const leader = of === 'meta' ? leaders.meta : leaders.stream;
      if (leader && leader !== old) return { at: Date.now(), leader };
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
    return null;
  }

  /**
   * Moves `stream`'s leadership off node `name` (leader step-downs until another node leads it), so that a drill
   * that kills `name` for another role (the meta leader) does not also kill the stream's leader.
   */
  async moveStreamLeaderOff(stream: string, name: string, timeoutMs = 30_000): Promise<void> {
    await eventually(
      async () => {
        const leader = await this.streamLeader(stream);
        if (leader !== name) return leader;
        await this.request(`$JS.API.STREAM.LEADER.STEPDOWN.${stream}`);
        return null;
      },
      (leader) => leader !== null && leader !== name,
      timeoutMs,
      500,
    );
  }

  /** `kill -9` of one node: no flush, no goodbye to its peers. */
  async kill(name: string): Promise<void> {
    const node = this.node(name);
    const child = node.child;
    this.paused.delete(name);
    if (!child || !this.isRunning(node)) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /**
   * `kill -STOP` of one node: a host that froze or a network that dropped its packets. Its sockets stay open, so
   * its peers and clients notice only when their pings go unanswered.
   */
  pause(name: string): void {
    this.node(name).child?.kill('SIGSTOP');
    this.paused.add(name);
  }

  /** `kill -CONT` of a paused node: it goes on where it stopped (it still believes what it knew then). */
  resume(name: string): void {
    this.node(name).child?.kill('SIGCONT');
    this.paused.delete(name);
  }

  /**
   * Starts stopped nodes again on their ports and stores; resolves once the cluster has a meta leader and every
   * node as a peer. Nodes that are down together come back together (a probe stream needs every node).
   */
  async restart(...names: string[]): Promise<void> {
    for (const name of names) this.spawn(this.node(name));
    await this.waitForMetaLeader();
  }

  isRunning(node: ClusterNode): boolean {
    return node.child !== undefined && node.child.exitCode === null && node.child.signalCode === null;
  }

  async dispose(): Promise<void> {
    for (const node of this.nodes) await this.kill(node.name);
    rmSync(this.root, { recursive: true, force: true });
  }

  private spawn(node: ClusterNode): void {
    const routes = this.nodes.map((peer) => `nats://127.0.0.1:${peer.clusterPort}`).join(',');
    // prettier-ignore
    const args = ['-a', '127.0.0.1', '-p', String(node.port), '-m', String(node.monitorPort), '-n', node.name, '-js', '-sd', node.storeDir,
      '--cluster_name', 'apphub-drill', '--cluster', `nats://127.0.0.1:${node.clusterPort}`, '--routes', routes];
    const child = spawn('nats-server', args, { stdio: 'ignore' });
    node.child = child;
    running.add(child);
    child.once('exit', () => running.delete(child));
  }

  /** One monitoring endpoint's JSON, or null when the node does not answer within 500 ms. */
  private async monitor(node: ClusterNode, path: string): Promise<any> {
    try {
      const response = await fetch(`http://127.0.0.1:${node.monitorPort}${path}`, { signal: AbortSignal.timeout(500) });
      return response.ok ? await response.json() : null;
    } catch {
      return null;
    }
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
