import { SnapshotVersionError, type SnapshotCodec } from '../../src/domain/snapshot-codec.js';

/**
 * The contract of a snapshot codec (STYLE §6), as tests: a state survives the trip through the stored JSON, the stored
 * JSON carries the codec's version, a row written before versions (the in-memory type as it was then) reads as
 * version 1, and a row from a newer release is refused with `snapshot_version_unsupported`.
 */
export function snapshotSpec<State>(
  codec: SnapshotCodec<State, { v: number }>,
  example: { state: State; legacyRow: unknown },
): void {
  const stored = () => JSON.parse(JSON.stringify(codec.encode(example.state))) as Record<string, unknown>;

  it('writes its version into the stored JSON', () => {
    expect(stored().v).toBe(codec.version);
  });

  it('reads back what it wrote (through JSON, as Postgres returns it, and as JSON text)', () => {
    expect(codec.decode(stored())).toEqual(example.state);
    expect(codec.decode(JSON.stringify(codec.encode(example.state)))).toEqual(example.state);
  });

  it('reads a row written before snapshots had a version as version 1', () => {
    expect(codec.decode(JSON.parse(JSON.stringify(example.legacyRow)))).toEqual(example.state);
  });

  it('refuses a row from a newer release with a clear error', () => {
    const future = { ...stored(), v: codec.version + 1 };
    expect(() => codec.decode(future)).toThrow(SnapshotVersionError);
    expect(() => codec.decode(future)).toThrow(
      `version ${codec.version + 1}; this build reads versions 1 to ${codec.version}`,
    );
    let caught: unknown;
    try {
      codec.decode(future);
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: 'snapshot_version_unsupported', snapshot: codec.name, found: future.v });
  });
}
