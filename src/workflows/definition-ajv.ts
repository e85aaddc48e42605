import type { ValidateFunction } from 'ajv';
import type { Partitioning } from '../partitions/index.js';
import { partitioningSchema } from './asset-declaration.schema.js';
import { workflowDefinitionBodySchema } from './workflow-definition.schema.js';
import { compileSchema } from '../validation/validation-policies.js';

/*
 * The `definition` policy: our own schemas compile in strict mode (a typo in them fails at start-up); `verbose` gives
 * the error mapper the parent schema (to list the fields of a `minProperties` block and the variants of a
 * discriminator).
 */

/** Structural check of a workflow definition body (every problem, `allErrors`). */
export const validateDefinitionBody: ValidateFunction = compileSchema('definition', workflowDefinitionBodySchema);

/** True when a `partitioning` block is structurally valid, so its semantic checks may run. */
export const isPartitioning = compileSchema('definition', partitioningSchema) as unknown as (
  value: unknown,
) => value is Partitioning;
