import { randomUUID } from 'node:crypto';
import type {
  AssetCheckEvaluated,
  AssetExpired,
  AssetPartitionParametersDeleted,
  AssetPartitionParametersSet,
  AssetProduced,
  AssetStaleCleared,
  AssetStaleMarked,
} from '../../../src/assets/asset.events.js';
import type { StoredEvent } from '../../../src/events/envelope.js';

let nextSeq = 1;

interface EnvelopeOverrides {
  id?: string;
  seq?: number;
  occurredAt?: string;
}

function stored<T extends string, D>(
  type: T,
  kind: string,
  data: D & { assetId: string },
  overrides: EnvelopeOverrides,
): StoredEvent<T, D> {
  const seq = overrides.seq ?? nextSeq++;
  return {
    id: overrides.id ?? randomUUID(),
    type,
    schemaVersion: 1,
    occurredAt: overrides.occurredAt ?? '2025-01-01T00:00:00.000Z',
    data,
    metadata: { correlationId: 'test', causationId: null, actor: 'test' },
    seq,
    subject: `apphub.asset.${kind}.${data.assetId}`,
  };
}

/** A valid `asset.produced` (defaults: unpartitioned `demo.asset` of `wf-demo`); overrides are explicit. */
export function anAssetProduced(
  overrides: Partial<AssetProduced> & EnvelopeOverrides = {},
): StoredEvent<'asset.produced', AssetProduced> {
  const { id, seq, occurredAt, ...data } = overrides;
  return stored(
    'asset.produced',
    'produced',
    {
      assetId: 'demo.asset',
      workflowDefinitionId: 'wf-demo-id',
      workflowSlug: 'wf-demo',
      workflowRunId: randomUUID(),
      runKey: null,
      stepId: 'produce',
      producedAt: '2025-01-01T00:00:00.000Z',
      partitionKey: null,
      payload: { count: 1 },
      schema: null,
      freshness: null,
      parameters: null,
      ...data,
    },
    { id, seq, occurredAt },
  );
}

/** An `asset.expired` of a given `asset.produced` (ttl). */
export function anAssetExpired(
  produced: StoredEvent<string, AssetProduced>,
  overrides: Partial<AssetExpired> & EnvelopeOverrides = {},
): StoredEvent<'asset.expired', AssetExpired> {
  const { id, seq, occurredAt, ...data } = overrides;
  const { payload: _payload, ...rest } = produced.data;
  return stored(
    'asset.expired',
    'expired',
    {
      ...rest,
      expiresAt: new Date(Date.parse(rest.producedAt) + 60_000).toISOString(),
      requestedAt: rest.producedAt,
      reason: 'ttl' as const,
      producedEventId: produced.id,
      ...data,
    },
    { id, seq, occurredAt },
  );
}

type Target = { assetId?: string; workflowSlug?: string; partitionKey?: string | null };
const target = (t: Target) => ({
  assetId: t.assetId ?? 'demo.asset',
  workflowSlug: t.workflowSlug ?? 'wf-demo',
  partitionKey: t.partitionKey ?? null,
});

export function anAssetStaleMarked(
  overrides: Target & Partial<AssetStaleMarked> & EnvelopeOverrides = {},
): StoredEvent<'asset.stale.marked', AssetStaleMarked> {
  const { id, seq, occurredAt, ...data } = overrides;
  return stored(
    'asset.stale.marked',
    'stale-marked',
    {
      requestedBy: 'runner',
      requestedAt: '2025-01-01T00:00:00.000Z',
      note: null,
      triggerRun: false,
      ...data,
      ...target(overrides),
    },
    { id, seq, occurredAt },
  );
}

export function anAssetStaleCleared(
  overrides: Target & EnvelopeOverrides = {},
): StoredEvent<'asset.stale.cleared', AssetStaleCleared> {
  const { id, seq, occurredAt } = overrides;
  return stored(
    'asset.stale.cleared',
    'stale-cleared',
    { clearedBy: 'runner', clearedAt: '2025-01-01T00:00:00.000Z', ...target(overrides) },
    { id, seq, occurredAt },
  );
}

export function aPartitionParametersSet(
  overrides: Target & { parameters?: unknown; setAt?: string } & EnvelopeOverrides = {},
): StoredEvent<'asset.partition-parameters.set', AssetPartitionParametersSet> {
  const { id, seq, occurredAt } = overrides;
  const data = {
    parameters: overrides.parameters ?? { manual: true },
    source: 'manual' as const,
    setBy: 'runner',
    setAt: overrides.setAt ?? '2025-01-01T00:00:00.000Z',
    ...target(overrides),
  };
  return stored('asset.partition-parameters.set', 'parameters-set', data, { id, seq, occurredAt });
}

export function aPartitionParametersDeleted(
  overrides: Target & EnvelopeOverrides = {},
): StoredEvent<'asset.partition-parameters.deleted', AssetPartitionParametersDeleted> {
  const { id, seq, occurredAt } = overrides;
  return stored(
    'asset.partition-parameters.deleted',
    'parameters-deleted',
    { deletedBy: 'runner', deletedAt: '2025-01-01T00:00:00.000Z', ...target(overrides) },
    { id, seq, occurredAt },
  );
}

/** A valid `asset.check.evaluated` (defaults: a passing blocking error check `rows` of `demo.asset`). */
export function anAssetCheckEvaluated(
  overrides: Partial<AssetCheckEvaluated> & EnvelopeOverrides = {},
): StoredEvent<'asset.check.evaluated', AssetCheckEvaluated> {
  const { id, seq, occurredAt, ...data } = overrides;
  return stored(
    'asset.check.evaluated',
    'check',
    {
      assetId: 'demo.asset',
      workflowSlug: 'wf-demo',
      workflowDefinitionId: 'wf-demo-id',
      workflowRunId: 'run-1',
      stepId: 'make',
      partitionKey: null,
      producedEventId: 'produced-1',
      producedAt: '2025-01-01T00:00:00.000Z',
      checkName: 'rows',
      severity: 'error',
      blocking: true,
      passed: true,
      source: 'job',
      metadata: null,
      violations: [],
      ...data,
    },
    { id, seq, occurredAt },
  );
}
