import type { EventEnvelope, StoredEvent } from '../events/envelope.js';

/**
 * One row a decision changed, by part of the manager's state (`value: null` = the row goes). The kernel keeps the
 * last change per part × key until it is written back; values are copies taken when deciding (state moves on).
 */
export type ManagerChange<Parts> = {
  [P in keyof Parts]: { part: P; key: string; value: Parts[P] | null };
}[keyof Parts];

/** What the kernel hands the store to write back: per part, the last value of every changed key (null = delete). */
export type ManagerChanges<Parts> = { [P in keyof Parts]: Map<string, Parts[P] | null> };

/**
 * What a decision asks of the outside world; the kernel carries every effect of a batch out, all settled. Effects
 * of a lower `stage` are settled before the next stage starts (a reader of a later effect has seen the earlier ones).
 */
export type ManagerEffect<Command> =
  /** An append at most once, however long ago its cause was stored (`scope`: one of the definition's `appendScopes`). */
  | { kind: 'append'; scope: string; subject: string; envelope: EventEnvelope; stage?: number }
  /**
   * Appends to a subject expecting its last sequence; on success the stored events are folded back through
   * `onAppended`, on a lost race nothing happens (the newer event reaches the manager and is decided then).
   */
  | { kind: 'append-expected'; subject: string; envelopes: EventEnvelope[]; expectedLastSeq: number; stage?: number }
  /** A call to the outside world (job, timer, run request), carried out by the definition's `execute` port. */
  | { kind: 'call'; command: Command; onceKey?: string; stage?: number };

/** What deciding a batch (or folding back an append) returned. */
export interface ManagerDecision<Command, Parts> {
  effects: ManagerEffect<Command>[];
  changes: ManagerChange<Parts>[];
}

/**
 * A process manager as a definition (STYLE §6): what it reads for a batch, one pure `decideBatch`, and what its
 * appended events fold back into. No I/O: the kernel (`ManagerKernel`) hydrates, loads, decides, tracks changes,
 * carries out effects and writes back. `State` is mutable and owned by the kernel; `Reads` is what a batch needs
 * loaded (declared by the rules that need it), `Loaded` what the load round returned.
 */
export interface ManagerDefinition<State, Reads, Loaded, Command, Parts> {
  /** Checkpoint row and lease key. */
  name: string;
  /** The event types it decides on (others only move its position). */
  inputTypes: Pick<ReadonlySet<string>, 'has'>;
  /** Scope name → subject filter of its de-duplicated appends (what a scan after a recovery reads). */
  appendScopes: Readonly<Record<string, string>>;
  /** What the batch needs loaded beyond the state (one round, before deciding). */
  reads(state: State, events: readonly StoredEvent[]): Reads;
  decideBatch(state: State, events: readonly StoredEvent[], loaded: Loaded): ManagerDecision<Command, Parts>;
  /** Folds events it appended itself (an `append-expected`) back into the state, with their follow-ups. */
  onAppended?(state: State, stored: readonly StoredEvent[]): ManagerDecision<Command, Parts>;
  /** The write-back took the changes (synchronously, between batches). */
  onTake?(state: State): void;
  /** After a write-back committed (a cache may forget what is now stored). */
  afterPersist?(state: State): void;
}

export function emptyDecision<Command, Parts>(): ManagerDecision<Command, Parts> {
  return { effects: [], changes: [] };
}
