import { sql, type AnyColumn, type Placeholder, type SQL } from 'drizzle-orm';
import type { Caller } from './caller.js';
import type { Db } from './db.js';
import { rowMapper, type RowMapper, type SelectedField } from './row-mapper.js';

/**
 * `column = any($1::text[])`: one array parameter, so the statement text is the same whatever the
 * batch size (a plain array inside sql`` would expand to `($1, $2, …)`).
 */
export function anyOf(column: AnyColumn, values: readonly string[]): SQL {
  return sql`${column} = any(${sql.param([...values])}::text[])`;
}

/** `anyOf` in a prepared statement: the array is the placeholder `name`, bound per execution. */
export function anyOfPlaceholder(column: AnyColumn, name: string): SQL {
  return sql`${column} = any(${sql.placeholder(name)}::text[])`;
}

/** The caller's org in a prepared statement's row scope, bound on each execution as `org`. */
export const CALLER_ORG = sql.placeholder('org');

/**
 * The caller's org as a prepared statement's row scope takes it: `CALLER_ORG`, or null when the
 * caller has none (a scope that then matches no row; `scopeShape` tells the two apart).
 */
export function orgPlaceholder(caller: Caller): Placeholder | null {
  return caller.org ? CALLER_ORG : null;
}

/**
 * What the text of a row scope depends on: the caller's party and whether it has an org. Never
 * the org itself, which a prepared statement binds as `CALLER_ORG`: one statement serves every
 * caller of a kind, and no caller's value is left in a statement another caller runs.
 */
export function scopeShape(caller: Caller): string {
  return caller.org ? `${caller.party}:org` : caller.party;
}

const preparedStatements = new WeakMap<Db, Map<string, unknown>>();

/** What drizzle keeps of a prepared select to map its rows (fields its types call private). */
interface PreparedSelect {
  fields?: SelectedField[];
  joinsNotNullableMap?: Record<string, boolean>;
  customResultMapper?: RowMapper;
}

/**
 * Has a prepared select map its rows with `rowMapper`, worked out once, rather than with drizzle's
 * per-value `mapResultRow`: both drivers hand a result mapper the rows as arrays of values.
 */
function mapRowsOnce(statement: unknown): void {
  const select = statement as PreparedSelect;
  if (!select.fields || select.customResultMapper) return;
  const mapper = rowMapper(select.fields, select.joinsNotNullableMap);
  if (mapper) select.customResultMapper = mapper;
}

/**
 * A statement built once per database handle and kept (drizzle's `prepare` with placeholders):
 * otherwise drizzle walks the query builder and renders the SQL text again on every call, which
 * costs the hot lookups more CPU than reading their rows; its rows are mapped by `rowMapper`.
 * `key` names the statement and everything its text depends on (`scopeShape`, which variant);
 * the values are placeholders bound per execution. Only for the database handle itself: a
 * statement prepared on it runs outside any transaction.
 */
export function preparedOnce<T>(db: Db, key: string, prepare: (name: string) => T): T {
  let statements = preparedStatements.get(db);
  if (!statements) {
    statements = new Map();
    preparedStatements.set(db, statements);
  }
  let statement = statements.get(key) as T | undefined;
  if (statement === undefined) {
    statement = prepare(key);
    mapRowsOnce(statement);
    statements.set(key, statement);
  }
  return statement;
}
