import { Injectable, type PipeTransform } from '@nestjs/common';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { ValidationError, type FieldProblem } from '../domain/domain-error.js';

const ajv = new Ajv({ allErrors: true, strict: false, coerceTypes: false, useDefaults: true });
(addFormats as unknown as (a: Ajv) => void)(ajv);
const queryAjv = new Ajv({ allErrors: true, strict: false, coerceTypes: true, useDefaults: true });
(addFormats as unknown as (a: Ajv) => void)(queryAjv);

/** Maps ajv errors to field problems whose path names the offending field (unknown keys included). */
export function toFieldProblems(errors: ErrorObject[] | null | undefined, prefix = ''): FieldProblem[] {
  return (errors ?? []).map((error) => {
    if (error.keyword === 'additionalProperties') {
      const key = (error.params as { additionalProperty: string }).additionalProperty;
      return { path: `${prefix}${error.instancePath}/${key}`, message: `unknown property "${key}"` };
    }
    if (error.keyword === 'required') {
      const key = (error.params as { missingProperty: string }).missingProperty;
      return { path: `${prefix}${error.instancePath}/${key}`, message: `is required` };
    }
    return { path: `${prefix}${error.instancePath}`, message: error.message ?? 'is invalid' };
  });
}

/** Validates a body (strict: no coercion) or a query (coerced strings) with a JSON schema. */
@Injectable()
export class SchemaPipe implements PipeTransform {
  private readonly validate: ValidateFunction;

  constructor(
    schema: object,
    private readonly source: 'body' | 'query' = 'body',
    private readonly code = source === 'query' ? 'invalid_query' : 'invalid_request',
  ) {
    this.validate = (source === 'query' ? queryAjv : ajv).compile(schema);
  }

  transform(value: unknown): unknown {
    const input = this.source === 'body' && value === undefined ? {} : value;
    const copy = this.source === 'query' ? { ...(input as object) } : input;
    if (!this.validate(copy)) {
      // Query problems name the parameter like cursors and partition keys do (`query/limit`); body paths are pointers.
      const errors = toFieldProblems(this.validate.errors, this.source === 'query' ? 'query' : '');
      const where = this.source === 'query' ? 'query' : 'body';
      throw new ValidationError(
        this.code,
        `The request ${where} is invalid: ${errors.map((e) => `${e.path || '/'} ${e.message}`).join('; ')}`,
        errors,
      );
    }
    return copy;
  }
}
