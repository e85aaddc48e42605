import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { sql } from 'kysely';
import { Public } from '../auth/auth.guard.js';
import { pendingMigrations } from '../db/migrate.js';
import { ConsumerRegistry } from '../projector/consumer-registry.js';
import type { Platform } from '../runtime/platform.js';
import { PLATFORM } from '../runtime/tokens.js';

interface Check {
  ok: boolean;
  detail?: unknown;
}

@ApiTags('operations')
@Public()
@Controller()
export class HealthController {
  constructor(
    @Inject(PLATFORM) private readonly platform: Platform,
    @Inject(ConsumerRegistry) private readonly consumers: ConsumerRegistry,
  ) {}

  @Get('health/live')
  @ApiOperation({ summary: 'The process is up' })
  live() {
    return { status: 'ok' };
  }

  @Get('health/ready')
  @ApiOperation({ summary: 'NATS, Postgres, migrations and projection lag; 503 when a dependency is down' })
  async ready(@Res({ passthrough: true }) reply: FastifyReply) {
    const [nats, postgres, migrations] = await Promise.all([
      this.checkNats(),
      this.checkPostgres(),
      this.checkMigrations(),
    ]);
    const lag = nats.ok && postgres.ok ? await this.lag().catch(() => ({})) : {};
    const ok = nats.ok && postgres.ok && migrations.ok;
    void reply.status(ok ? 200 : 503);
    return { status: ok ? 'ready' : 'not_ready', checks: { nats, postgres, migrations }, projectionLag: lag };
  }

  @Get('metrics')
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiExcludeEndpoint()
  async metrics() {
    const lag = await this.lag().catch(() => ({}) as Record<string, number>);
    for (const [projection, value] of Object.entries(lag))
      this.platform.metrics.projectionLag.set({ projection }, value);
    return this.platform.metrics.registry.metrics();
  }

  /** Events in the stream each consumer of this deployment has not applied yet. */
  private async lag(): Promise<Record<string, number>> {
    const last = await this.platform.store.lastSequence();
    const rows = await this.platform.db.selectFrom('projection_checkpoint').select(['name', 'last_seq']).execute();
    const lag: Record<string, number> = {};
    for (const row of rows) lag[row.name] = Math.max(0, last - row.last_seq);
    for (const name of this.consumers.names()) lag[name] ??= last;
    return lag;
  }

  private async checkNats(): Promise<Check> {
    try {
      if (this.platform.nats.nc.isClosed()) return { ok: false, detail: 'connection closed' };
      await this.platform.nats.jsm.streams.info(this.platform.nats.subjects.streams.events);
      return { ok: true };
    } catch (error) {
      return { ok: false, detail: (error as Error).message };
    }
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
    try {
      const pending = await pendingMigrations(this.platform.db);
      return pending.length === 0 ? { ok: true } : { ok: false, detail: { pending } };
    } catch (error) {
      return { ok: false, detail: (error as Error).message };
    }
  }
}
