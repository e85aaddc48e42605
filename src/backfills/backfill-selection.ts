import { boundProblems } from '../domain/bounded-lists.js';
import { ValidationError, type FieldProblem } from '../domain/domain-error.js';
import { enumerateWindowRange, validatePartitionKey, type Partitioning } from '../partitions/index.js';
import type { AssetDeclaration, WorkflowDefinition } from '../workflows/workflow-definition.js';
import { MAX_BACKFILL_PARTITIONS, type PartitionRange } from './backfill.events.js';

/** `partitions` of a backfill request: a time-window range or a list of keys. */
export interface PartitionSelection {
  from?: string;
  to?: string;
  keys?: string[];
}

/** The partitions a backfill runs: the asset its runs are keyed by, and the keys in release order. */
export interface ResolvedSelection {
  assetId: string;
  range: PartitionRange | null;
  partitionKeys: string[];
}

/**
 * Resolves and checks a backfill's partitions against the workflow (pure). The workflow must produce a partitioned
 * asset; its first partitioned asset keys the runs (as for auto runs). A range (`from`/`to`, both included) needs a
 * time-window partitioning and is enumerated window by window in the asset's zone, oldest first; `keys` are checked
 * like a run's partition key, trimmed, and must be unique. Every key must also suit the workflow's other
 * partitioned assets (a run has one key). At most `MAX_BACKFILL_PARTITIONS` partitions. Throws a `ValidationError`
 * naming the offending field.
 */
export function resolveSelection(workflow: WorkflowDefinition, selection: PartitionSelection): ResolvedSelection {
  const partitioned = workflow.steps.flatMap((step) => step.produces).filter((d) => d.partitioning);
  const primary = partitioned[0];
  if (!primary) {
    throw new ValidationError(
      'workflow_not_partitioned',
      `Workflow "${workflow.slug}" produces no partitioned asset; a backfill runs a workflow once per partition.`,
      [{ path: '/partitions', message: 'the workflow produces no partitioned asset' }],
    );
  }
  const hasRange = selection.from !== undefined || selection.to !== undefined;
  if (hasRange === (selection.keys !== undefined)) {
    throw new ValidationError('invalid_request', 'partitions takes either from and to, or keys.', [
      { path: '/partitions', message: 'give either {from, to} or {keys}' },
    ]);
  }
  const resolved = hasRange ? rangeKeys(primary, selection) : listedKeys(primary, selection.keys!);
  checkOtherAssets(partitioned.slice(1), resolved.partitionKeys, hasRange);
  return resolved;
}

function rangeKeys(primary: AssetDeclaration, selection: PartitionSelection): ResolvedSelection {
  for (const end of ['from', 'to'] as const) {
    if (selection[end] === undefined)
      throw new ValidationError('invalid_request', `partitions.${end} is required with a range.`, [
        { path: `/partitions/${end}`, message: 'is required' },
      ]);
  }
  const partitioning = primary.partitioning!;
  if (partitioning.type !== 'timeWindow') {
    const message = `asset "${primary.assetId}" is partitioned by ${partitioning.type} keys: list them in partitions.keys`;
    throw new ValidationError('invalid_partition_range', `A range needs a time-window partitioning; ${message}.`, [
      { path: '/partitions', message },
    ]);
  }
  const range = { from: selection.from!.trim(), to: selection.to!.trim() };
  const result = enumerateWindowRange(partitioning, range.from, range.to, MAX_BACKFILL_PARTITIONS);
  if (!result.ok) {
    const path = result.field === 'range' ? '/partitions' : `/partitions/${result.field}`;
    throw new ValidationError(result.code, `asset "${primary.assetId}": ${result.reason}`, [
      { path, message: result.reason },
    ]);
  }
  return { assetId: primary.assetId, range, partitionKeys: result.keys };
}

function listedKeys(primary: AssetDeclaration, keys: string[]): ResolvedSelection {
  if (keys.length > MAX_BACKFILL_PARTITIONS) {
    const message = `holds ${keys.length} keys; a backfill takes at most ${MAX_BACKFILL_PARTITIONS}`;
    throw new ValidationError('too_many_partitions', `partitions.keys ${message}; split it into several backfills.`, [
      { path: '/partitions/keys', message },
    ]);
  }
  const problems: FieldProblem[] = [];
  const seen = new Map<string, number>();
  const partitionKeys: string[] = [];
  keys.forEach((raw, index) => {
    const check = validatePartitionKey(primary.partitioning, raw);
    if (!check.ok) return void problems.push({ path: `/partitions/keys/${index}`, message: check.reason });
    const first = seen.get(check.key!);
    if (first !== undefined)
      return void problems.push({ path: `/partitions/keys/${index}`, message: `repeats /partitions/keys/${first}` });
    seen.set(check.key!, index);
    partitionKeys.push(check.key!);
  });
  if (problems.length > 0) fail(primary.assetId, problems);
  return { assetId: primary.assetId, range: null, partitionKeys };
}

/** Every key must also be valid for the other partitioned assets the workflow produces. */
function checkOtherAssets(others: AssetDeclaration[], keys: string[], fromRange: boolean): void {
  const problems: FieldProblem[] = [];
  for (const declaration of others) {
    const partitioning = declaration.partitioning as Partitioning;
    keys.forEach((key, index) => {
      const check = validatePartitionKey(partitioning, key);
      if (check.ok) return;
      const path = fromRange ? '/partitions' : `/partitions/keys/${index}`;
      problems.push({ path, message: `asset "${declaration.assetId}": ${check.reason}` });
    });
    if (problems.length > 0) fail(declaration.assetId, problems);
  }
}

function fail(assetId: string, problems: FieldProblem[]): never {
  const bounded = boundProblems(problems);
  throw new ValidationError(
    'invalid_partition_key',
    `asset "${assetId}": ${problems.length} partition key(s) are not valid: ${bounded[0]!.message}`,
    bounded,
    { assetId },
  );
}
