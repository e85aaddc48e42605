import { isDeepStrictEqual } from 'node:util';
import type { Partitioning } from '../partitions/index.js';
import { isPartitioning } from './definition-ajv.js';
import type { StepView } from './definition-view.js';
import { pointer, type ValidationProblem } from './validation-problem.js';

interface Produced {
  path: string;
  assetId: string;
  partitioning: Partitioning | undefined;
}

/** Produced declarations whose id is a string and whose partitioning is absent or structurally valid. */
function producedDeclarations(steps: readonly StepView[]): Produced[] {
  return steps.flatMap((step) =>
    step.produces.flatMap(({ path, assetId, value }): Produced[] => {
      if (assetId === undefined) return [];
      if (value.partitioning === undefined) return [{ path, assetId, partitioning: undefined }];
      return isPartitioning(value.partitioning) ? [{ path, assetId, partitioning: value.partitioning }] : [];
    }),
  );
}

/** One run key must be valid for both: the same partitioning, or one of them accepts any key. */
function compatible(a: Partitioning, b: Partitioning): boolean {
  return a.type === 'dynamic' || b.type === 'dynamic' || isDeepStrictEqual(a, b);
}

function conflict(declaration: Produced, earlier: readonly Produced[]): ValidationProblem | undefined {
  const path = pointer(declaration.path, 'partitioning');
  const sameAsset = earlier.find(({ assetId }) => assetId === declaration.assetId);
  if (sameAsset) {
    return isDeepStrictEqual(sameAsset.partitioning, declaration.partitioning)
      ? undefined
      : {
          path,
          message:
            `"${declaration.assetId}" is also produced at ${sameAsset.path} with a different partitioning; ` +
            'every producer of an asset must declare the same partitioning',
        };
  }
  const { partitioning } = declaration;
  if (partitioning === undefined) return undefined;
  const other = earlier.find((e) => e.partitioning !== undefined && !compatible(e.partitioning, partitioning));
  return other
    ? {
        path,
        message:
          `partitioning conflicts with "${other.assetId}" (${other.path}): a run has one partitionKey, so the ` +
          'assets a workflow produces must share one partitioning unless one of them is dynamic',
      }
    : undefined;
}

/**
 * Workflow-wide rules on produced assets: all producers of one asset id declare the same partitioning, and every
 * two partitioned assets are compatible, so a single run `partitionKey` is valid for all of them (the original
 * accepted such workflows and then could not run them, reference B19). Each conflict is reported at the later
 * declaration's `partitioning`.
 */
export function checkPartitionCompatibility(steps: readonly StepView[]): ValidationProblem[] {
  const earlier: Produced[] = [];
  const problems: ValidationProblem[] = [];
  for (const declaration of producedDeclarations(steps)) {
    const problem = conflict(declaration, earlier);
    if (problem) problems.push(problem);
    else if (!earlier.some(({ assetId }) => assetId === declaration.assetId)) earlier.push(declaration);
  }
  return problems;
}
