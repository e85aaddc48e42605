import { sql, type RawBuilder } from 'kysely';

/**
 * Data-modifying statements (each an insert, update or delete `… returning 1`) as ONE statement: the CTEs of a select
 * that counts what they wrote. Postgres runs every data-modifying CTE to completion on one snapshot; none of a
 * manager's statements touches another's rows.
 */
export function asOneStatement(statements: readonly RawBuilder<unknown>[]): RawBuilder<{ written: number }> {
  const ctes = statements.map((statement, i) => sql`${sql.id(`w_${i}`)} as (${statement})`);
  const counts = statements.map((_statement, i) => sql`(select count(*) from ${sql.id(`w_${i}`)})`);
  return sql<{ written: number }>`with ${sql.join(ctes)} select ${sql.join(counts, sql` + `)} as written`;
}
