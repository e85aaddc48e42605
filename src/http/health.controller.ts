import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import {
  ApiExcludeEndpoint,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { sql } from 'kysely';
import { Public } from '../auth/auth.guard.js';
import { pendingMigrations } from '../db/migrate.js';
import { checkpointPositions, countDeadLetters } from '../events/consumer-store/index.js';
import { ConsumerRegistry } from '../projector/consumer-registry.js';
import type { Platform } from '../runtime/platform.js';
import { PLATFORM } from '../runtime/tokens.js';
import { liveResponseSchema, readyResponseSchema } from './health.response-schemas.js';

interface Check {
  ok: boolean;
  detail?: unknown;
}

@ApiTags('operations')
@Public()
@Controller()
export class HealthController {
  private migrated = false;
  /** When each consumer's lease was first seen unheld (by any process). */
  private readonly unleasedSince = new Map<string, number>();
  /** Since when the NATS check keeps failing (ms epoch), or null. */
  private natsFailingSince: number | null = null;

  constructor(
    @Inject(PLATFORM) private readonly platform: Platform,
    @Inject(ConsumerRegistry) private readonly consumers: ConsumerRegistry,
  ) {}

  @Get('health/live')
  @ApiOperation({ summary: 'The process is up' })
  @ApiOkResponse({ schema: liveResponseSchema })
  live() {
    return { status: 'ok' };
  }

  @Get('health/ready')
  @ApiOperation({
    summary:
      'NATS, Postgres, migrations and every stream consumer of this process (leased somewhere, not failing, not stalled); 503 otherwise; answers within 1 s',
  })
  @ApiOkResponse({ schema: readyResponseSchema })
  @ApiServiceUnavailableResponse({ schema: readyResponseSchema, description: 'Not ready: the checks say why.' })
  async ready(@Res({ passthrough: true }) reply: FastifyReply) {
    const [natsCheck, postgres, migrations] = await Promise.all([
      withTimeout(this.checkNats()),
      withTimeout(this.checkPostgres()),
      withTimeout(this.checkMigrations()),
    ]);
    const nats = this.natsWithinGrace(natsCheck);
    const consumers =
      nats.ok && postgres.ok ? await withTimeout(this.checkConsumers()) : { ok: false, detail: 'dependencies down' };
    const lag =
      nats.ok && postgres.ok ? await withTimeout(this.lag().then((value) => ({ ok: true, detail: value }))) : null;
    const ok = nats.ok && postgres.ok && migrations.ok && consumers.ok;
    void reply.status(ok ? 200 : 503);
    return {
      status: ok ? 'ready' : 'not_ready',
      checks: { nats, postgres, migrations, consumers },
      projectionLag: lag?.ok ? lag.detail : {},
    };
  }

  @Get('metrics')
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiExcludeEndpoint()
  async metrics() {
    const lag = await this.lag().catch(() => ({}) as Record<string, number>);
    for (const [projection, value] of Object.entries(lag))
      this.platform.metrics.projectionLag.set({ projection }, value);
    const deadLetters = await countDeadLetters(this.platform.db).catch(() => new Map<string, number>());
    this.platform.metrics.setDeadLetters(this.consumers.names(), deadLetters);
    return this.platform.metrics.registry.metrics();
  }

  /** Events in the stream each consumer of this deployment has not applied yet. */
  private async lag(): Promise<Record<string, number>> {
    const last = await this.platform.store.lastSequence();
    const positions = await checkpointPositions(this.platform.db);
    const lag: Record<string, number> = {};
    for (const [name, seq] of positions) lag[name] = Math.max(0, last - seq);
    for (const name of this.consumers.names()) lag[name] ??= last;
    return lag;
  }

  /**
   * Each stream consumer of this process: its lease is held (here or by another process), and where it runs here
   * it is neither failing (retrying from its checkpoint) nor stalled behind the stream.
   */
  private async checkConsumers(): Promise<Check> {
    const problems: Record<string, string> = {};
    const notes: Record<string, string> = {};
    await Promise.all(
      this.consumers.runners().map(async (runner) => {
        const status = runner.status();
        // An outside receiver being down (OpenLineage) is reported but does not take the API out of service.
        const target = OPTIONAL_CONSUMERS.has(status.name) ? notes : problems;
        if (status.failingSince !== null) {
          // Failing on NATS for less than the grace (an election, a reconnect) is reported, not a problem.
          const graced = status.failingOn === 'nats' && Date.now() - status.failingSince <= NATS_GRACE_MS;
          (graced ? notes : target)[status.name] = `failing: ${status.lastError ?? 'unknown error'}`;
        } else if (status.stalledSince !== null && status.leader) {
          // The runner resubscribes the moment it sees the stall; one that this cures soon is not a problem.
          const long = Date.now() - status.stalledSince > STALL_GRACE_MS;
          const inPhase = ((Date.now() - status.phaseSince) / 1000).toFixed(1);
          (long ? target : notes)[status.name] = `stalled behind the stream (${status.phase} for ${inPhase} s)`;
        } else if (!status.leader) {
          // Who holds the lease is unknown while the leases bucket does not answer (its own election after a lost
          // node): like an unheld lease, a problem only once that lasts.
          const holder = await this.leaseHolder(status.name);
          const what =
            holder === undefined ? 'lease holder unknown (NATS does not answer)' : 'no process holds its lease';
          if (this.unleasedTooLong(status.name, holder == null)) problems[status.name] = what;
          else if (holder === undefined) notes[status.name] = what;
          return;
        }
        // Seen led here (or failing, or stalled): the unheld clock starts again at the next lease seen unheld. Kept,
        // a start from a take-over minutes ago made the next lease lost a problem at once (a drill's two-node loss).
        this.unleasedSince.delete(status.name);
      }),
    );
    if (Object.keys(problems).length > 0) return { ok: false, detail: { ...problems, ...notes } };
    return Object.keys(notes).length > 0 ? { ok: true, detail: notes } : { ok: true };
  }

  /**
   * A lease nobody holds is normal while it passes to a standby (it ages out, then a standby takes it within a
   * quarter of the TTL) and while the leases bucket elects a leader after a NATS node was lost (nobody can take a
   * lease then): only one unheld for longer than the lease TTL plus `NATS_GRACE_MS` is a problem, so standbys stay
   * ready through a fail-over.
   */
  private unleasedTooLong(consumer: string, unleased: boolean): boolean {
    if (!unleased) {
      this.unleasedSince.delete(consumer);
      return false;
    }
    const since = this.unleasedSince.get(consumer) ?? Date.now();
    this.unleasedSince.set(consumer, since);
    return Date.now() - since > this.platform.config.leaseTtlMs + NATS_GRACE_MS;
  }

  /** Who holds a consumer's lease (null: nobody), or undefined when NATS cannot say right now. */
  private async leaseHolder(consumer: string): Promise<string | null | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), LEASE_LOOKUP_TIMEOUT_MS);
    });
    const holder = this.platform.events.leases.holderOf(consumer).catch(() => undefined);
    return Promise.race([holder, late]).finally(() => clearTimeout(timer));
  }

  /**
   * A failing NATS check turns readiness off only once it has failed for longer than `NATS_GRACE_MS`: the loss of
   * one node of a cluster is a reconnect (milliseconds) and an election (4-9 s on nats-server 2.9) that every
   * instance sees at once, and taking them all out of service would turn a few seconds of 503s for writes into an
   * outage for reads too. Until then the check is ok with what failed and since when in its detail.
   */
  private natsWithinGrace(check: Check): Check {
    if (check.ok) {
      this.natsFailingSince = null;
      return check;
    }
    this.natsFailingSince ??= Date.now();
    const failingMs = Date.now() - this.natsFailingSince;
    return failingMs > NATS_GRACE_MS ? check : { ok: true, detail: { failingMs, problem: check.detail } };
  }

  private checkNats(): Promise<Check> {
    return this.platform.events.readiness.check();
  }

  private async checkPostgres(): Promise<Check> {
    try {
      await sql`select 1`.execute(this.platform.db);
      return { ok: true };
    } catch (error) {
      return { ok: false, detail: (error as Error).message };
    }
  }

  private async checkMigrations(): Promise<Check> {
    // Nothing makes a migration pending while the process runs: once applied, the answer is kept.
    if (this.migrated) return { ok: true };
    try {
      const pending = await pendingMigrations(this.platform.db);
      this.migrated = pending.length === 0;
      return pending.length === 0 ? { ok: true } : { ok: false, detail: { pending } };
    } catch (error) {
      return { ok: false, detail: (error as Error).message };
    }
  }
}

/**
 * How long NATS trouble (the check failing, a consumer failing on NATS, a lease nobody can take) is reported without
 * making the process not ready: one Raft election after a lost node (4-9 s on nats-server 2.9), then the consumer
 * request that was in flight when it ended (up to its 3 s timeout) and the runner's backoff (up to 1 s) before the
 * consumer is back, and a margin. With 10 s, a meta-leader election of 8.3 s left two consumers failing for 10.2 s
 * in a drill, and readiness answered 503 for 600 ms on an instance with nothing wrong.
 */
export const NATS_GRACE_MS = 15_000;

/**
 * A consumer seen stalled (behind the stream without moving for a whole watchdog period) is resubscribed at once;
 * it is a readiness problem only when it stays stalled for longer than this.
 */
const STALL_GRACE_MS = 5000;

/** A lease lookup that takes longer is "unknown" (the whole consumer check has `CHECK_TIMEOUT_MS`). */
const LEASE_LOOKUP_TIMEOUT_MS = 250;

/** Consumers whose trouble is reported without making the process not ready. */
const OPTIONAL_CONSUMERS = new Set(['lineage']);

/** Every readiness check answers within this, so `/health/ready` answers within a second. */
const CHECK_TIMEOUT_MS = 400;

function withTimeout(check: Promise<Check>): Promise<Check> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<Check>((resolve) => {
    timer = setTimeout(
      () => resolve({ ok: false, detail: `no answer within ${CHECK_TIMEOUT_MS} ms` }),
      CHECK_TIMEOUT_MS,
    );
  });
  return Promise.race([check.catch((error: Error) => ({ ok: false, detail: error.message })), late]).finally(() =>
    clearTimeout(timer),
  );
}
