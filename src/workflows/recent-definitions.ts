import type { WorkflowDefinition } from './workflow-definition.js';

/** A definition as read from its subject, with the sequence of its last event. */
export interface LoadedDefinition {
  workflow: WorkflowDefinition;
  seq: number;
}

/** How long a definition read for a read endpoint is reused (ms). */
export const RECENT_DEFINITION_MS = 1000;
const MAX_SLUGS = 1000;

/**
 * Workflow definitions for the read endpoints (history, partitions, checks, inventory), reused for up to
 * `maxAgeMs` after they were read from the event log. Every history read used to read its workflow's last
 * definition event first: one JetStream request per read, the most frequent request of a process under a read
 * load (issue 15). Concurrent readers of one slug share one request.
 *
 * What it may cost: a definition changed through ANOTHER instance is seen here up to `maxAgeMs` late (one written
 * through this instance is seen at once, `written`). Callers re-read with `fresh` before they answer 404 or 400 on
 * what the definition says, so a just-registered workflow or a just-added asset is never reported missing. A
 * workflow that does not exist is never remembered.
 */
export class RecentDefinitions {
  private readonly entries = new Map<string, { loaded: LoadedDefinition; readAt: number }>();
  private readonly reading = new Map<string, Promise<LoadedDefinition | null>>();

  constructor(
    private readonly read: (slug: string) => Promise<LoadedDefinition | null>,
    private readonly maxAgeMs = RECENT_DEFINITION_MS,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** The definition read at most `maxAgeMs` ago, else one read now (shared with concurrent callers). */
  async get(slug: string): Promise<LoadedDefinition | null> {
    const entry = this.entries.get(slug);
    if (entry && this.now() - entry.readAt <= this.maxAgeMs) return entry.loaded;
    const pending = this.reading.get(slug);
    if (pending) return pending;
    const started = this.fresh(slug).finally(() => this.reading.delete(slug));
    this.reading.set(slug, started);
    return started;
  }

  /** The definition read from the log now (never shared with a read that started earlier). */
  async fresh(slug: string): Promise<LoadedDefinition | null> {
    const readAt = this.now();
    const loaded = await this.read(slug);
    if (loaded) this.remember(slug, loaded, readAt);
    else this.entries.delete(slug);
    return loaded;
  }

  /** A definition this process just appended: reads here see it at once. */
  written(slug: string, loaded: LoadedDefinition): void {
    this.remember(slug, loaded, this.now());
  }

  private remember(slug: string, loaded: LoadedDefinition, readAt: number): void {
    const known = this.entries.get(slug);
    // A read that started before a write of this process may finish after it: never go back to the older one.
    if (known && known.loaded.seq > loaded.seq) return;
    this.entries.delete(slug);
    this.entries.set(slug, { loaded, readAt });
    if (this.entries.size > MAX_SLUGS) this.entries.delete(this.entries.keys().next().value!);
  }
}
