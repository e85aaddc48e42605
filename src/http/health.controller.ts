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
    const [nats, postgres, migrations] = await Promise.all([
      withTimeout(this.checkNats()),
      withTimeout(this.checkPostgres()),
      withTimeout(this.checkMigrations()),
    ]);
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
        if (status.failingSince !== null) target[status.name] = `failing: ${status.lastError ?? 'unknown error'}`;
        else if (status.stalledSince !== null) target[status.name] = 'stalled behind the stream';
        else if (!status.leader) {
          const holder = await this.platform.events.leases.holderOf(status.name);
          if (this.unleasedTooLong(status.name, holder === null)) problems[status.name] = 'no process holds its lease';
        }
      }),
    );
    if (Object.keys(problems).length > 0) return { ok: false, detail: { ...problems, ...notes } };
    return Object.keys(notes).length > 0 ? { ok: true, detail: notes } : { ok: true };
  }

  /**
   * A lease nobody holds is normal while it passes to a standby (it ages out, then a standby takes it within a
   * quarter of the TTL): only one unheld for longer than the lease TTL is a problem, so standbys stay ready through a
   * fail-over.
   */
  private unleasedTooLong(consumer: string, unleased: boolean): boolean {
    if (!unleased) {
      this.unleasedSince.delete(consumer);
      return false;
    }
    const since = this.unleasedSince.get(consumer) ?? Date.now();
    this.unleasedSince.set(consumer, since);
    return Date.now() - since > this.platform.config.leaseTtlMs;
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
