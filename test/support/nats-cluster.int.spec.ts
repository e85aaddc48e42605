import { NatsCluster } from './nats-cluster.js';
import { openNatsContext, type ConnectionChange } from '../../src/events/nats-context.js';
import { MisconfigurationError } from '../../src/config/misconfiguration.js';
import { testPrefix } from './test-nats.js';
import { eventually } from './waiting.js';

/** The harness itself, and the start-up rule for clustered servers older than 2.9.20 (these machines run 2.9.10). */
describe('a 3-node JetStream cluster', () => {
  let cluster: NatsCluster;

  beforeAll(async () => {
    cluster = await NatsCluster.start();
  });
  afterAll(async () => {
    await cluster.dispose();
  });

  it('refuses R3 streams on a server with the expected-sequence race unless told to start anyway', async () => {
    const prefix = testPrefix();
    const options = { natsUrl: cluster.url, subjectPrefix: prefix, streamReplicas: 3, leaseTtlMs: 3000 };
    const refused = await openNatsContext(options).then(
      async (context) => {
        await context.close();
        return null;
      },
      (error: unknown) => error,
    );
    // The version rule applies to whatever server answers; a server of 2.9.20 or later starts like the override.
    const old = /^v?2\.9\.(\d|1\d)$|^v?2\.[0-8]\./;
    const context = await openNatsContext({ ...options, allowUnsafeServerVersion: true });
    try {
      if (old.test(context.serverVersion)) {
        expect(refused).toBeInstanceOf(MisconfigurationError);
        expect(String(refused)).toMatch(/APPHUB_STREAM_REPLICAS: .*2\.9\.20.*APPHUB_ALLOW_UNSAFE_NATS_VERSION=true/);
        expect(context.versionWarning).toContain('issue 4320');
      } else expect(refused).toBeNull();
      // With the override the streams are created at R3, led by one of the nodes.
      const stream = context.subjects.streams.events;
      expect((await context.jsm.streams.info(stream)).config.num_replicas).toBe(3);
      expect(cluster.nodes.map((node) => node.name)).toContain(await cluster.streamLeader(stream));
    } finally {
      await context.close();
    }
  });

  it('elects a new stream leader after the leader is killed, and takes the node back', async () => {
    const prefix = testPrefix();
    const context = await openNatsContext({
      natsUrl: cluster.url,
      subjectPrefix: prefix,
      streamReplicas: 3,
      leaseTtlMs: 3000,
      allowUnsafeServerVersion: true,
    });
    try {
      const stream = context.subjects.streams.events;
      const leader = (await cluster.streamLeader(stream))!;
      // The monitoring endpoints name the same leader as the JetStream API, and a meta leader among the nodes.
      const seen = await cluster.leaders(stream);
      expect(seen.stream).toBe(leader);
      expect(cluster.nodes.map((node) => node.name)).toContain(seen.meta);
      const killedAt = Date.now();
      await cluster.kill(leader);
      const next = await cluster.newLeader(stream, leader, 30_000);
      expect(next).not.toBeNull();
      expect(next!.leader).not.toBe(leader);
      expect(next!.at).toBeGreaterThan(killedAt);
      expect(await cluster.streamLeader(stream)).toBe(next!.leader);
      await cluster.restart(leader);
      expect((await context.jsm.streams.info(stream)).cluster?.replicas?.length).toBe(2);
    } finally {
      await context.close();
    }
  });
  it('leaves a node that stops answering without closing its sockets (SIGSTOP) for a live one within 10 s', async () => {
    const changes: Array<ConnectionChange & { at: number }> = [];
    const context = await openNatsContext({
      natsUrl: cluster.url,
      subjectPrefix: testPrefix(),
      streamReplicas: 1,
      leaseTtlMs: 3000,
      onConnectionChange: (change) => changes.push({ ...change, at: Date.now() }),
    });
    const node = context.nc.info!.server_name;
    const pausedAt = Date.now();
    cluster.pause(node);
    try {
      // Two unanswered pings (2 s apart), then one dial of at most 2 s if the stopped node is tried first; before
      // the dial had a bound of its own, the client waited on the stopped node until it resumed.
      const back = await eventually(
        async () => changes.find((change) => change.type === 'reconnect'),
        (change) => change !== undefined,
        15_000,
        50,
      );
      expect(back!.at - pausedAt).toBeLessThan(10_000);
      expect(context.nc.info!.server_name).not.toBe(node);
      await context.nc.flush();
    } finally {
      cluster.resume(node);
      await context.close();
    }
  }, 30_000);
});
