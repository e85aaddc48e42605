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
  const misplaced =
    direction === 'consumes' && declaration.value.autoMaterialize !== undefined
      ? [{ path: pointer(declaration.path, 'autoMaterialize'), message: AUTO_MATERIALIZE_ON_CONSUMES }]
      : [];
  return [...misplaced, ...checkSchema(declaration), ...checkPartitioning(declaration)];
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
