import type { Logger } from 'pino';

/** What an in-process job handler receives for one attempt of one step. */
export interface JobContext {
  runId: string;
  workflowSlug: string;
  stepId: string;
  attempt: number;
  /** The run's parameters with the step's parameters merged over them. */
  parameters: Record<string, unknown>;
  partitionKey: string | null;
  /** Aborted when the service shuts down; long handlers should stop early. */
  signal: AbortSignal;
  log: Logger;
}

/**
 * What a handler returns: the seed's shape `{ status, result: { files, assets } }`. `result.assets` (an array,
 * one asset object, or a map keyed by asset id) is what gets recorded. Throwing fails the step with the message.
 */
export interface JobOutcome {
  status?: 'succeeded' | 'failed';
  result?: unknown;
  error?: string | { message: string; code?: string };
}

export type JobHandler = (context: JobContext) => Promise<JobOutcome>;

/** In-process handlers by job slug; the built-in worker takes dispatches only for slugs registered here. */
export class JobHandlerRegistry {
  private readonly handlers = new Map<string, JobHandler>();
  private readonly listeners: Array<(slug: string) => void> = [];

  register(jobSlug: string, handler: JobHandler): void {
    if (!/^[a-z0-9][a-z0-9_-]*$/.test(jobSlug)) throw new Error(`invalid job slug "${jobSlug}"`);
    this.handlers.set(jobSlug, handler);
    for (const listener of this.listeners) listener(jobSlug);
  }

  get(jobSlug: string): JobHandler | undefined {
    return this.handlers.get(jobSlug);
  }

  slugs(): string[] {
    return [...this.handlers.keys()];
  }

  onRegister(listener: (slug: string) => void): void {
    this.listeners.push(listener);
  }
}

/** DI token of the process's registry. */
export const JOB_HANDLERS = Symbol('JOB_HANDLERS');
