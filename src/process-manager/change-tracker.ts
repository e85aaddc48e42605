import type { ManagerChange, ManagerChanges } from './manager-definition.js';

/**
 * The one change tracker of every process manager: the last change per part × key since the last hand-over. The
 * write-back takes them synchronously between batches, so what it writes matches the position it checkpoints.
 */
export class ChangeTracker<Parts> {
  private changes = new Map<keyof Parts, Map<string, unknown>>();

  constructor(private readonly parts: ReadonlyArray<keyof Parts>) {}

  get dirty(): boolean {
    for (const rows of this.changes.values()) if (rows.size > 0) return true;
    return false;
  }

  record(changes: readonly ManagerChange<Parts>[]): void {
    for (const change of changes) {
      let rows = this.changes.get(change.part);
      if (!rows) this.changes.set(change.part, (rows = new Map()));
      rows.delete(change.key);
      rows.set(change.key, change.value);
    }
  }

  /** Everything recorded since the last call, by part (empty maps for untouched parts); null when nothing. */
  take(): ManagerChanges<Parts> | null {
    if (!this.dirty) return null;
    const taken = {} as Record<keyof Parts, Map<string, unknown>>;
    for (const part of this.parts) taken[part] = this.changes.get(part) ?? new Map();
    this.changes = new Map();
    return taken as ManagerChanges<Parts>;
  }

  clear(): void {
    this.changes = new Map();
  }
}
