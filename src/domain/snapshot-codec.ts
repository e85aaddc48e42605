/**
 * A stored snapshot this build cannot read: written by a newer release (a version above the one it knows), or with a
 * version that is not one. The manager refuses to hydrate rather than guess; roll forward, or rebuild the state.
 */
export class SnapshotVersionError extends Error {
  override name = 'SnapshotVersionError';
  readonly code = 'snapshot_version_unsupported';

  constructor(
    readonly snapshot: string,
    readonly found: unknown,
    readonly supported: number,
  ) {
    super(
      `${snapshot} snapshot has version ${JSON.stringify(found)}; this build reads versions 1 to ${supported} ` +
        '(a newer release wrote it: deploy that release, or rebuild the state from the stream)',
    );
  }
}

/** How one piece of persisted manager state is written and read: its stored JSON carries `v`. */
export interface SnapshotCodec<State, Stored extends { v: number }> {
  /** What the snapshot is (`run_executor_run.state`), for errors. */
  readonly name: string;
  /** The version `encode` writes. */
  readonly version: number;
  encode(state: State): Stored;
  /** Reads a stored snapshot (JSON text or parsed): unversioned rows are version 1, older versions are upgraded. */
  decode(stored: unknown): State;
}

export interface SnapshotSpec<State, Stored extends { v: number }> {
  name: string;
  version: Stored['v'];
  encode(state: State): Stored;
  /** The current version's row (its `v` already checked) as the in-memory state. */
  decode(stored: Stored): State;
  /**
   * A row written before snapshots carried a version (the in-memory type as it was then) as version 1. Default: the
   * row itself with `v: 1` (for object rows).
   */
  legacy?(row: unknown): unknown;
  /** `upgrades[n]` turns a version-n row into the fields of a version-(n + 1) row (`v` is set by the codec). */
  upgrades?: Record<number, (row: any) => object>;
}

/**
 * A versioned codec for one persisted snapshot (STYLE §6: manager state tables hold versioned snapshots, not the
 * in-memory type). Object snapshots are stored flat with `v` beside their fields, so SQL that reads a field of the
 * JSON keeps working; a row without `v` (written before versions) decodes as version 1.
 */
export function snapshotCodec<State, Stored extends { v: number }>(
  spec: SnapshotSpec<State, Stored>,
): SnapshotCodec<State, Stored> {
  const legacy = spec.legacy ?? ((row: unknown) => (isObject(row) ? { ...row, v: 1 } : row));
  return {
    name: spec.name,
    version: spec.version,
    encode: spec.encode,
    decode(stored: unknown): State {
      let row = typeof stored === 'string' ? (JSON.parse(stored) as unknown) : stored;
      if (!isObject(row) || !('v' in row)) row = legacy(row);
      if (!isObject(row)) throw new SnapshotVersionError(spec.name, null, spec.version);
      const version = row.v;
      if (typeof version !== 'number' || !Number.isInteger(version) || version < 1 || version > spec.version)
        throw new SnapshotVersionError(spec.name, version, spec.version);
      for (let at = version; at < spec.version; at++) {
        const upgrade = spec.upgrades?.[at];
        if (!upgrade) throw new SnapshotVersionError(spec.name, at, spec.version);
        row = { ...upgrade(row), v: at + 1 };
      }
      return spec.decode(row as Stored);
    },
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
