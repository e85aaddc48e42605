import type { WorkflowDefinition } from '../../workflows/workflow-definition.js';

const MAX_ENTRIES = 200_000;

/**
 * The committed part of the saga's graph (workflow definitions and consumers per asset) kept in memory, so a batch
 * does not reload and re-parse definitions. It only ever holds committed rows: changes a batch makes are staged and
 * applied after its transaction committed; rows read inside a transaction that already changed them are not
 * cached; a new transaction drops what the previous (uncommitted) one staged; a gap in the stream positions (another
 * instance worked meanwhile) empties the cache.
 */
export class GraphCache {
  private readonly workflows = new Map<string, WorkflowDefinition | null>();
  private readonly consumers = new Map<string, readonly string[]>();
  private staged = {
    workflows: new Map<string, WorkflowDefinition>(),
    consumers: new Map<string, readonly string[]>(),
  };
  private transaction: unknown;
  private through: number | undefined;

  /** Called at the start of every `handle`: a new transaction forgets uncommitted stages. */
  begin(transaction: unknown, firstSeq: number): void {
    if (transaction !== this.transaction) {
      this.transaction = transaction;
      this.staged = { workflows: new Map(), consumers: new Map() };
    }
    if (this.through !== undefined && firstSeq > this.through + 1) this.clear();
  }

  workflow(slug: string): WorkflowDefinition | null | undefined {
    return this.staged.workflows.get(slug) ?? this.workflows.get(slug);
  }

  consumersOf(assetId: string): readonly string[] | undefined {
    return this.staged.consumers.get(assetId) ?? this.consumers.get(assetId);
  }

  /** Remembers committed rows read from the database (absent = null / []). */
  rememberWorkflow(slug: string, workflow: WorkflowDefinition | null): void {
    if (!this.staged.workflows.has(slug)) this.workflows.set(slug, workflow);
  }

  rememberConsumers(assetId: string, slugs: readonly string[]): void {
    if (!this.staged.consumers.has(assetId)) this.consumers.set(assetId, slugs);
  }

  /** Changes of a successful `handle`, applied when its transaction commits. */
  stage(workflows: Iterable<[string, WorkflowDefinition]>, consumers: Iterable<[string, readonly string[]]>): void {
    for (const [slug, workflow] of workflows) this.staged.workflows.set(slug, workflow);
    for (const [assetId, slugs] of consumers) this.staged.consumers.set(assetId, slugs);
  }

  /** The transaction of the staged changes committed, up to `lastSeq`. */
  commit(lastSeq: number): void {
    for (const [slug, workflow] of this.staged.workflows) this.workflows.set(slug, workflow);
    for (const [assetId, slugs] of this.staged.consumers) this.consumers.set(assetId, slugs);
    this.staged = { workflows: new Map(), consumers: new Map() };
    this.transaction = undefined;
    this.through = Math.max(this.through ?? 0, lastSeq);
    if (this.workflows.size + this.consumers.size > MAX_ENTRIES) this.clear();
  }

  clear(): void {
    this.workflows.clear();
    this.consumers.clear();
    this.through = undefined;
  }
}
