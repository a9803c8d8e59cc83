import { sql, type AnyColumn, type SQL } from 'drizzle-orm';

/**
 * `column = any($1::text[])`: one array parameter, so the statement text is the same whatever the
 * batch size (a plain array inside sql`` would expand to `($1, $2, …)`).
 */
export function anyOf(column: AnyColumn, values: readonly string[]): SQL {
  return sql`${column} = any(${sql.param([...values])}::text[])`;
}
