import { validatePartitionKey } from '../partitions/index.js';
import { boundList, boundMessage, boundProblems } from '../domain/bounded-lists.js';
import { ValidationError, type FieldProblem } from '../domain/domain-error.js';
import { compileUserSchema } from '../workflows/user-schema.js';
import type { AssetDeclaration, WorkflowStep } from '../workflows/workflow-definition.js';
import {
  evaluateChecks,
  reportedChecksProblems,
  undeclaredCheckProblems,
  type ReportedCheck,
} from './record-checks.js';
import type { RecordedAsset, RunError, StepWarning } from './run.events.js';

export type RecordingResult =
  | { ok: true; assets: RecordedAsset[]; warnings: StepWarning[] }
  | { ok: false; error: RunError; warnings: StepWarning[] };

interface AssetEntry {
  assetId: string;
  payload?: unknown;
  producedAt?: string;
  partitionKey?: string | null;
  checks?: ReportedCheck[];
  /** Pointer of the entry in the completion body, for problems found after extraction. */
  path: string;
}

const ENTRY_KEYS = new Set(['assetId', 'payload', 'producedAt', 'partitionKey', 'checks']);

/**
 * The assets a succeeded step records (DESIGN §6, fixing the original's B1/B16): only declared ids (others
 * become warnings), each payload valid against its declared schema (else the step fails and records nothing),
 * partition keys defaulted to the run's and validated. Malformed entries throw `invalid_completion`.
 */
export function recordAssets(
  step: WorkflowStep,
  runPartitionKey: string | null,
  result: unknown,
  completedAt: string,
): RecordingResult {
  const entries = extractEntries(result);
  refuseUndeclaredChecks(step, entries);
  const warnings: StepWarning[] = [];
  const byKey = new Map<string, RecordedAsset>();
  for (const entry of entries) {
    const declaration = step.produces.find((candidate) => candidate.assetId === entry.assetId);
    if (!declaration) {
      warnings.push({
        code: 'undeclared_asset',
        assetId: boundMessage(entry.assetId, 200),
        message: `step "${step.id}" does not declare "${boundMessage(entry.assetId, 200)}" in produces; not recorded`,
      });
      continue;
    }
    const recorded = recordOne(declaration, entry, runPartitionKey, completedAt, warnings);
    if ('code' in recorded) return { ok: false, error: recorded, warnings: boundWarnings(warnings) };
    const key = `${recorded.assetId}\u0000${recorded.partitionKey ?? ''}`;
    if (byKey.has(key)) {
      warnings.push({
        code: 'duplicate_asset',
        assetId: recorded.assetId,
        message: `"${recorded.assetId}" (partition ${recorded.partitionKey ?? 'none'}) appeared twice; the last entry was recorded`,
      });
    }
    byKey.set(key, recorded);
  }
  return { ok: true, assets: [...byKey.values()], warnings: boundWarnings(warnings) };
}

/** A check name the asset does not declare is the caller's mistake: 422 `undeclared_check` with its path. */
function refuseUndeclaredChecks(step: WorkflowStep, entries: readonly AssetEntry[]): void {
  const problems = entries.flatMap((entry) => {
    const declaration = step.produces.find((candidate) => candidate.assetId === entry.assetId);
    return declaration ? undeclaredCheckProblems(declaration, entry.checks ?? [], `${entry.path}/checks`) : [];
  });
  if (problems.length === 0) return;
  const bounded = boundProblems(problems);
  throw new ValidationError(
    'undeclared_check',
    `The step result reports checks its assets do not declare: ${bounded.map((p) => `${p.path} ${p.message}`).join('; ')}`,
    bounded,
  );
}

function boundWarnings(warnings: readonly StepWarning[]): StepWarning[] {
  return boundList(warnings, (omitted) => ({
    code: 'warnings_truncated',
    assetId: null,
    message: `${omitted} more warnings were not recorded`,
  }));
}

function recordOne(
  declaration: AssetDeclaration,
  entry: AssetEntry,
  runPartitionKey: string | null,
  completedAt: string,
  warnings: StepWarning[],
): RecordedAsset | RunError {
  const payload = entry.payload === undefined ? null : entry.payload;
  if (declaration.schema) {
    const compilation = compileUserSchema(declaration.schema);
    // Registration refuses such schemas; one stored before that rule fails the step instead of the request.
    if (!compilation.ok) {
      return {
        code: 'asset_schema_invalid',
        message: `the declared schema of "${declaration.assetId}" cannot be compiled: ${compilation.message}`,
        details: boundProblems(compilation.problems),
      };
    }
    const { validate } = compilation;
    if (!validate(payload)) {
      const details = boundProblems(
        (validate.errors ?? []).map((error) => ({
          path: error.instancePath || '/',
          message: error.message ?? 'is invalid',
        })),
      );
      return {
        code: 'asset_schema_violation',
        message: boundMessage(
          `payload of "${declaration.assetId}" does not match its declared schema: ${details.map((d) => `${d.path} ${d.message}`).join('; ')}`,
        ),
        details,
      };
    }
  }
  let partitionKey: string | null = null;
  if (declaration.partitioning) {
    const check = validatePartitionKey(declaration.partitioning, entry.partitionKey ?? runPartitionKey);
    if (!check.ok) return { code: check.code, message: `asset "${declaration.assetId}": ${check.reason}` };
    partitionKey = check.key;
  } else if (entry.partitionKey) {
    warnings.push({
      code: 'partition_key_ignored',
      assetId: declaration.assetId,
      message: `"${declaration.assetId}" is not partitioned; the partition key "${entry.partitionKey}" was not recorded`,
    });
  }
  const producedAt = entry.producedAt ? new Date(entry.producedAt).toISOString() : completedAt;
  const checks = evaluateChecks(declaration, entry.checks ?? [], payload, { producedAt, recordedAt: completedAt });
  return {
    assetId: declaration.assetId,
    partitionKey,
    producedAt,
    payload,
    schema: declaration.schema ?? null,
    freshness: declaration.freshness ?? null,
    ...(checks ? { checks } : {}),
  };
}

/** Accepts `result.assets` as an array, a single `{assetId}` object or an id-keyed map. */
function extractEntries(result: unknown): AssetEntry[] {
  if (result === null || typeof result !== 'object' || Array.isArray(result) || !('assets' in result)) return [];
  const assets = (result as { assets: unknown }).assets;
  if (assets === null || assets === undefined) return [];
  const problems: FieldProblem[] = [];
  let entries: AssetEntry[] = [];
  if (Array.isArray(assets)) {
    entries = assets.flatMap((item, index) => checkEntry(item, `/result/assets/${index}`, problems));
  } else if (typeof assets === 'object') {
    if ('assetId' in assets) entries = checkEntry(assets, '/result/assets', problems);
    else {
      entries = Object.entries(assets as Record<string, unknown>).flatMap(([assetId, value]) => {
        const item =
          value !== null && typeof value === 'object' && !Array.isArray(value)
            ? { assetId, ...(value as object) }
            : value;
        if (
          item !== value &&
          (value as { assetId?: unknown }).assetId !== undefined &&
          (value as { assetId?: unknown }).assetId !== assetId
        ) {
          problems.push({ path: `/result/assets/${assetId}/assetId`, message: 'must equal the map key' });
        }
        return checkEntry(item, `/result/assets/${assetId}`, problems);
      });
    }
  } else {
    problems.push({
      path: '/result/assets',
      message: 'must be an array, an asset object or a map of asset id to asset',
    });
  }
  if (problems.length > 0) {
    const bounded = boundProblems(problems);
    throw new ValidationError(
      'invalid_completion',
      `The step result's assets are malformed: ${bounded.map((p) => `${p.path} ${p.message}`).join('; ')}`,
      bounded,
    );
  }
  return entries;
}

function checkEntry(item: unknown, path: string, problems: FieldProblem[]): AssetEntry[] {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) {
    problems.push({ path, message: 'must be an object {assetId, payload?, producedAt?, partitionKey?, checks?}' });
    return [];
  }
  const entry = item as Record<string, unknown>;
  const before = problems.length;
  for (const key of Object.keys(entry))
    if (!ENTRY_KEYS.has(key)) problems.push({ path: `${path}/${key}`, message: `unknown property "${key}"` });
  if (typeof entry.assetId !== 'string' || entry.assetId.length === 0)
    problems.push({ path: `${path}/assetId`, message: 'must be a non-empty string' });
  if (
    entry.producedAt !== undefined &&
    (typeof entry.producedAt !== 'string' ||
      Number.isNaN(Date.parse(entry.producedAt)) ||
      !/^\d{4}-\d{2}-\d{2}T/.test(entry.producedAt))
  ) {
    problems.push({ path: `${path}/producedAt`, message: 'must be an ISO-8601 date-time' });
  }
  if (entry.partitionKey !== undefined && entry.partitionKey !== null && typeof entry.partitionKey !== 'string') {
    problems.push({ path: `${path}/partitionKey`, message: 'must be a string' });
  }
  if (entry.checks !== undefined) problems.push(...reportedChecksProblems(entry.checks, `${path}/checks`));
  return problems.length > before ? [] : [{ ...(entry as unknown as AssetEntry), path }];
}
