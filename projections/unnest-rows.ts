import { sql, type RawBuilder } from 'kysely';

/** Postgres element types a batch column can carry. */
export type ColumnType = 'text' | 'bigint' | 'integer' | 'double precision' | 'timestamptz' | 'jsonb' | 'boolean';

/** One column of a set-based write: its name, element type and how to read it from a row. */
export interface BatchColumn<R> {
  name: string;
  type: ColumnType;
  value: (row: R) => unknown;
}

/**
 * `select * from unnest($1::text[], $2::bigint[], …) as batch(c1, c2, …)`: a whole batch as one parameter per
 * column. The statement text does not depend on the row count (nothing to compile per row, one plan), and an
 * insert or join over it needs no planner statistics.
 */
export function unnestRows<R>(columns: readonly BatchColumn<R>[], rows: readonly R[]): RawBuilder<unknown> {
  const arrays = columns.map((column) => {
    const values = rows.map((row) => {
      const value = column.value(row);
      return value === undefined ? null : value;
    });
    return sql`${values}::${sql.raw(column.type)}[]`;
  });
  const names = columns.map((column) => sql.id(column.name));
  return sql`select * from unnest(${sql.join(arrays)}) as batch(${sql.join(names)})`;
}

/** The column list of a set-based insert. */
export function columnList<R>(columns: readonly BatchColumn<R>[]): RawBuilder<unknown> {
  return sql.join(columns.map((column) => sql.id(column.name)));
}

/** JSON text of a value for a `jsonb` column (null/undefined → SQL null). */
export function jsonText(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}
