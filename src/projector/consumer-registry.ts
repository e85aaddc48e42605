import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DomainError } from '../domain/domain-error.js';
import type { ConsumerRunner, RunnerStatus, StreamConsumer } from '../events/consumer-runner.js';
import { checkpointOf } from '../events/consumer-store/index.js';
import { PLATFORM } from '../runtime/tokens.js';
import { freezeWhenNamed } from '../runtime/test-freeze.js';
import type { Platform } from '../runtime/platform.js';
import { ReadModelPositions } from './read-model-positions.js';

const DEFAULT_WAIT_MS = 5000;

/**
 * The ordered stream consumers of this process (projections, relay, executor, materializer), and
 * read-your-writes: `waitFor(name, minSeq)` returns once that consumer applied the stream up to `minSeq`.
 */
@Injectable()
export class ConsumerRegistry implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly runnersByName = new Map<string, ConsumerRunner>();
  /** Projection name → the runner of the group that applies it in this process. */
  private readonly aliases = new Map<string, ConsumerRunner>();
  private watcher: ReadModelPositions | null = null;

  constructor(@Inject(PLATFORM) private readonly platform: Platform) {}

  /** A process that serves reads listens for read-model positions from the start (no wait on the first read). */
  onApplicationBootstrap(): void {
    if (this.platform.config.roles.has('api')) this.positions();
  }

  /** The process's one listener of read-model positions, started on first use. */
  positions(): ReadModelPositions {
    if (!this.watcher) {
      const { config, log, metrics } = this.platform;
      this.watcher = new ReadModelPositions({
        connectionString: config.databaseUrl,
        tls: config.databaseTls,
        log: log.child({ component: 'read-model-positions' }),
        onNotified: (seconds) => metrics.readPathSeconds.observe({ stage: 'woken' }, seconds),
      });
      this.watcher.start();
    }
    return this.watcher;
  }

  /** Starts a runner for the handler in this process. */
  start(
    handler: StreamConsumer,
    options: {
      batchSize?: number;
      catchUpBatchSize?: number;
      aliases?: string[];
      closeWhenIdle?: boolean;
      traceReadPath?: boolean;
    } = {},
  ): ConsumerRunner {
    const existing = this.runnersByName.get(handler.name);
    if (existing) return existing;
    const { events, consumerDb, log, config, instanceId, metrics } = this.platform;
    const { aliases = [], ...runnerOptions } = options;
    const runner = events.consumers.runner(handler, {
      db: consumerDb,
      log,
      leaseTtlMs: config.leaseTtlMs,
      instanceId,
      metrics,
      ...(config.testFreezeFile ? { testFreeze: freezeWhenNamed(config.testFreezeFile) } : {}),
      ...(config.streamReplicas > 1 ? { checkWithLeader: true } : {}),
      ...runnerOptions,
    });
    this.runnersByName.set(handler.name, runner);
    for (const alias of aliases) this.aliases.set(alias, runner);
    runner.start();
    return runner;
  }

  names(): string[] {
    return [...this.runnersByName.keys(), ...this.aliases.keys()];
  }

  /** Every runner of this process. */
  runners(): ConsumerRunner[] {
    return [...this.runnersByName.values()];
  }

  /** The runner of a consumer in this process (operations and tests). */
  runner(name: string): ConsumerRunner | undefined {
    return this.runnersByName.get(name);
  }

  /** What each runner of this process reports (readiness, metrics). */
  statuses(): RunnerStatus[] {
    return [...this.runnersByName.values()].map((runner) => runner.status());
  }

  /**
   * Waits (bounded) until the named consumer has applied `minSeq`; throws `read_model_lagging` otherwise. The lease
   * holder in this process wakes its waiters right after each commit; otherwise the checkpoint's notification does
   * (`ReadModelPositions`): no query per waiting request, except one when the deadline passes while the listener is
   * down.
   */
  async waitFor(name: string, minSeq: number | undefined, timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    if (minSeq === undefined || minSeq <= 0) return;
    const local = this.runnersByName.get(name) ?? this.aliases.get(name);
    if (local && local.lastSeq >= minSeq) return;
    if (local?.isLeader) {
      if (await local.waitFor(minSeq, timeoutMs)) return;
    } else {
      const positions = this.positions();
      if (await positions.waitFor(name, minSeq, timeoutMs)) return;
      if (!positions.isListening && (await checkpointOf(this.platform.db, name)) >= minSeq) return;
    }
    throw new DomainError(
      'read_model_lagging',
      `The read model "${name}" has not reached event ${minSeq} yet; retry shortly.`,
      { minSeq },
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.watcher?.stop();
    this.watcher = null;
    await Promise.all([...this.runnersByName.values()].map((runner) => runner.stop()));
    this.runnersByName.clear();
    this.aliases.clear();
  }
}
