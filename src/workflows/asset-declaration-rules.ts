import { checkPartitioningSpec } from '../partitions/index.js';
import { isPartitioning } from './definition-ajv.js';
import type { DeclarationView, StepView } from './definition-view.js';
import { isRecord } from './definition-view.js';
import { userSchemaProblems } from './user-schema-problems.js';
import { pointer, type ValidationProblem } from './validation-problem.js';

type Direction = 'produces' | 'consumes';

const AUTO_MATERIALIZE_ON_CONSUMES =
  "autoMaterialize applies to produced assets; declare it on the step's produces entry";

/** Within one step's produces (or consumes) an asset id appears once. */
function checkUniqueAssetIds(declarations: readonly DeclarationView[]): ValidationProblem[] {
  const firstPath = new Map<string, string>();
  const problems: ValidationProblem[] = [];
  for (const { path, assetId } of declarations) {
    if (assetId === undefined) continue;
    const first = firstPath.get(assetId);
    if (first === undefined) firstPath.set(assetId, path);
    else problems.push({ path: pointer(path, 'assetId'), message: `duplicate asset "${assetId}" (also ${first})` });
  }
  return problems;
}

/** A step cannot wait for an asset only it can produce. */
function checkSelfConsumption(step: StepView): ValidationProblem[] {
  const produced = new Set(step.produces.map(({ assetId }) => assetId));
  return step.consumes
    .filter(({ assetId }) => assetId !== undefined && produced.has(assetId))
    .map(({ path, assetId }) => ({
      path: pointer(path, 'assetId'),
      message: `a step cannot consume "${String(assetId)}", which it produces itself`,
    }));
}

const CHECKS_ON_CONSUMES = "checks apply to produced assets; declare them on the step's produces entry";

/** Check names are unique per asset; each payloadSchema compiles; each freshness rule has a limit. */
function checkChecks(declaration: DeclarationView): ValidationProblem[] {
  const { checks } = declaration.value;
  if (!Array.isArray(checks)) return [];
  const firstPath = new Map<string, string>();
  const problems: ValidationProblem[] = [];
  checks.forEach((check: unknown, index) => {
    if (!isRecord(check)) return;
    const path = pointer(pointer(declaration.path, 'checks'), index);
    if (typeof check.name === 'string') {
      const first = firstPath.get(check.name);
      if (first === undefined) firstPath.set(check.name, path);
      else problems.push({ path: pointer(path, 'name'), message: `duplicate check "${check.name}" (also ${first})` });
    }
    if (isRecord(check.payloadSchema))
      problems.push(...userSchemaProblems(check.payloadSchema, pointer(path, 'payloadSchema')));
    if (isRecord(check.freshness))
      problems.push(...freshnessRuleProblems(declaration, check, pointer(path, 'freshness')));
  });
  return problems;
}

/** A freshness rule needs a limit (its own or the asset's freshness) and is the check's only rule. */
function freshnessRuleProblems(
  declaration: DeclarationView,
  check: Record<string, unknown>,
  path: string,
): ValidationProblem[] {
  if (check.payloadSchema !== undefined)
    return [{ path, message: 'a check has one service rule: declare payloadSchema and freshness as two checks' }];
  const own = (check.freshness as Record<string, unknown>).maxAgeMs;
  const asset = declaration.value.freshness;
  if (own !== undefined || (isRecord(asset) && Object.keys(asset).length > 0)) return [];
  return [{ path, message: "a freshness rule needs maxAgeMs or the asset's freshness (ttlMs, cadenceMs or maxAgeMs)" }];
}

function checkSchema(declaration: DeclarationView): ValidationProblem[] {
  const { schema } = declaration.value;
  if (!isRecord(schema)) return [];
  return userSchemaProblems(schema, pointer(declaration.path, 'schema'));
}

/** Semantic checks of a structurally valid partitioning (time zone, key format, start, static keys…). */
function checkPartitioning(declaration: DeclarationView): ValidationProblem[] {
  const { partitioning } = declaration.value;
  if (!isPartitioning(partitioning)) return [];
  const base = pointer(declaration.path, 'partitioning');
  return checkPartitioningSpec(partitioning).map(({ path, message }) => ({ path: `${base}${path}`, message }));
}

function checkDeclaration(declaration: DeclarationView, direction: Direction): ValidationProblem[] {
  const onConsumes = direction === 'consumes';
  const misplaced = [
    ...(onConsumes && declaration.value.autoMaterialize !== undefined
      ? [{ path: pointer(declaration.path, 'autoMaterialize'), message: AUTO_MATERIALIZE_ON_CONSUMES }]
      : []),
    ...(onConsumes && declaration.value.checks !== undefined
      ? [{ path: pointer(declaration.path, 'checks'), message: CHECKS_ON_CONSUMES }]
      : []),
  ];
  return [...misplaced, ...checkSchema(declaration), ...checkChecks(declaration), ...checkPartitioning(declaration)];
}

/**
 * Rules about one step's asset declarations that JSON Schema cannot say: unique ids per direction, no
 * consuming of the step's own products, `autoMaterialize` only on produces, compilable payload schemas and
 * meaningful partitionings.
 */
export function checkStepDeclarations(step: StepView): ValidationProblem[] {
  return [
    ...checkUniqueAssetIds(step.produces),
    ...checkUniqueAssetIds(step.consumes),
    ...checkSelfConsumption(step),
    ...step.produces.flatMap((declaration) => checkDeclaration(declaration, 'produces')),
    ...step.consumes.flatMap((declaration) => checkDeclaration(declaration, 'consumes')),
  ];
}
