import { boundMessage, boundProblems } from '../domain/bounded-lists.js';
import type { FieldProblem } from '../domain/domain-error.js';
import { compileUserSchema } from '../workflows/user-schema.js';
import type { AssetDeclaration, CheckDeclaration } from '../workflows/workflow-definition.js';
import type { CheckResult } from './run.events.js';

/** One entry of `result.assets[].checks` as a job reports it (DESIGN §14). */
export interface ReportedCheck {
  name: string;
  passed: boolean;
  metadata?: unknown;
}

const REPORTED_KEYS = new Set(['name', 'passed', 'metadata']);

/** Shape problems of a reported `checks` list at `path` (`/result/assets/0/checks`): 400 `invalid_completion`. */
export function reportedChecksProblems(checks: unknown, path: string): FieldProblem[] {
  if (!Array.isArray(checks)) return [{ path, message: 'must be an array of {name, passed, metadata?}' }];
  const seen = new Set<string>();
  return checks.flatMap((item: unknown, index): FieldProblem[] => {
    const at = `${path}/${index}`;
    if (item === null || typeof item !== 'object' || Array.isArray(item))
      return [{ path: at, message: 'must be an object {name, passed, metadata?}' }];
    const check = item as Record<string, unknown>;
    const problems: FieldProblem[] = Object.keys(check)
      .filter((key) => !REPORTED_KEYS.has(key))
      .map((key) => ({ path: `${at}/${key}`, message: `unknown property "${key}"` }));
    if (typeof check.name !== 'string' || check.name.length === 0)
      problems.push({ path: `${at}/name`, message: 'must be a non-empty string' });
    else if (seen.has(check.name)) problems.push({ path: `${at}/name`, message: `duplicate check "${check.name}"` });
    else seen.add(check.name);
    if (typeof check.passed !== 'boolean') problems.push({ path: `${at}/passed`, message: 'must be a boolean' });
    return problems;
  });
}

/** Reported names the declaration does not declare, each with its path: 422 `undeclared_check`. */
export function undeclaredCheckProblems(
  declaration: AssetDeclaration,
  reported: readonly ReportedCheck[],
  path: string,
): FieldProblem[] {
  const declared = new Set((declaration.checks ?? []).map(({ name }) => name));
  return reported.flatMap(({ name }, index) =>
    declared.has(name)
      ? []
      : [
          {
            path: `${path}/${index}/name`,
            message: `"${declaration.assetId}" declares no check "${boundMessage(name, 100)}"`,
          },
        ],
  );
}

/** Violations of a payload rule; a rule that no longer compiles fails with that reason. */
function payloadViolations(check: CheckDeclaration, payload: unknown): Array<{ path: string; message: string }> {
  if (!check.payloadSchema) return [];
  const compilation = compileUserSchema(check.payloadSchema);
  if (!compilation.ok) return [{ path: '/', message: `the payload rule cannot be compiled: ${compilation.message}` }];
  const { validate } = compilation;
  if (validate(payload)) return [];
  return boundProblems(
    (validate.errors ?? []).map((error) => ({
      path: error.instancePath || '/',
      message: error.message ?? 'is invalid',
    })),
  );
}

/** When a materialization was produced (its data's time) and when the service recorded it. */
export interface MaterializationTimes {
  producedAt: string;
  recordedAt: string;
}

/**
 * The age limit of a freshness rule: its own `maxAgeMs`, else the asset's freshness (`ttlMs`, `cadenceMs`,
 * `maxAgeMs`, the first declared); null when there is none (registration refuses such a rule).
 */
export function freshnessLimitMs(check: CheckDeclaration, declaration: AssetDeclaration): number | null {
  if (!check.freshness) return null;
  const freshness = declaration.freshness;
  return check.freshness.maxAgeMs ?? freshness?.ttlMs ?? freshness?.cadenceMs ?? freshness?.maxAgeMs ?? null;
}

/**
 * A freshness rule at arrival: the materialization is late when it was recorded more than the limit after its
 * `producedAt` (it arrived already older than its declared freshness allows). Its expiry is judged when the asset
 * expires (`asset.expired`, see `expiredFreshnessResults`).
 */
function freshnessViolations(
  check: CheckDeclaration,
  declaration: AssetDeclaration,
  times: MaterializationTimes,
): Array<{ path: string; message: string }> {
  const limit = freshnessLimitMs(check, declaration);
  if (limit === null) return [];
  const age = Date.parse(times.recordedAt) - Date.parse(times.producedAt);
  if (!(age > limit)) return [];
  return [
    {
      path: '/producedAt',
      message: `arrived late: recorded ${age} ms after producedAt ${times.producedAt}, above the ${limit} ms freshness`,
    },
  ];
}

/**
 * The check results of one materialization, in declaration order: a check the job reported and/or that has a
 * service rule (`payloadSchema`, `freshness`); a declared check with neither has no result. Undefined when the
 * asset declares no checks (the recorded asset then stays as it was before checks existed).
 */
export function evaluateChecks(
  declaration: AssetDeclaration,
  reported: readonly ReportedCheck[],
  payload: unknown,
  times: MaterializationTimes,
): CheckResult[] | undefined {
  if (!declaration.checks || declaration.checks.length === 0) return undefined;
  return declaration.checks.flatMap((check): CheckResult[] => {
    const job = reported.find(({ name }) => name === check.name);
    const rule = check.payloadSchema !== undefined || check.freshness !== undefined;
    if (!job && !rule) return [];
    const violations = [
      ...payloadViolations(check, payload),
      ...(check.freshness ? freshnessViolations(check, declaration, times) : []),
    ];
    return [
      {
        name: check.name,
        severity: check.severity,
        blocking: check.blocking ?? false,
        passed: (job?.passed ?? true) && violations.length === 0,
        source: job && rule ? 'job+service' : job ? 'job' : 'service',
        metadata: job?.metadata ?? null,
        violations,
      },
    ];
  });
}
