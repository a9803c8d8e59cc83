import { sql, type AnyColumn, type Placeholder, type SQL } from 'drizzle-orm';
import type { Caller } from './caller.js';
import type { Db } from './db.js';

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

/**
 * A statement built once per database handle and kept (drizzle's `prepare` with placeholders):
 * otherwise drizzle walks the query builder and renders the SQL text again on every call, which
 * costs the hot lookups more CPU than reading their rows. `key` names the statement and
 * everything its text depends on (`scopeShape`, which variant); the values are placeholders bound
 * per execution. Only for the database handle itself: a statement prepared on it runs outside any
 * transaction.
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
    statements.set(key, statement);
  }
  return statement;
}
