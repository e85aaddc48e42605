import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { Partitioning } from '../partitions/index.js';
import { partitioningSchema } from './asset-declaration.schema.js';
import { workflowDefinitionBodySchema } from './workflow-definition.schema.js';

/*
 * Our own schemas compile in strict mode (a typo in them fails at start-up); `verbose` gives the error mapper the
 * parent schema (to list the fields of a `minProperties` block and the variants of a discriminator).
 */
const ajv = new Ajv({ allErrors: true, verbose: true, discriminator: true, strict: true });
(addFormats as unknown as (a: Ajv) => void)(ajv);

/** Structural check of a workflow definition body (every problem, `allErrors`). */
export const validateDefinitionBody: ValidateFunction = ajv.compile(workflowDefinitionBodySchema);

/** True when a `partitioning` block is structurally valid, so its semantic checks may run. */
export const isPartitioning = ajv.compile(partitioningSchema) as unknown as (value: unknown) => value is Partitioning;
