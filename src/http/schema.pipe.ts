import { Injectable, type PipeTransform } from '@nestjs/common';
import type { ValidateFunction } from 'ajv';
import { ValidationError } from '../domain/domain-error.js';
import { toFieldProblems } from '../domain/field-problems.js';
import { compileSchema } from '../validation/validation-policies.js';

export { toFieldProblems };

/** Validates a body (strict: no coercion) or a query (coerced strings) with a JSON schema. */
@Injectable()
export class SchemaPipe implements PipeTransform {
  private readonly validate: ValidateFunction;

  constructor(
    schema: object,
    private readonly source: 'body' | 'query' = 'body',
    private readonly code = source === 'query' ? 'invalid_query' : 'invalid_request',
  ) {
    this.validate = compileSchema(source, schema);
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
