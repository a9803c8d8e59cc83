import { notFound } from './errors.js';

/**
 * The row a mutation targets, looked up in the caller's read scope: the query is the same SQL row
 * filter the caller's queries use (plus, optionally, a row lock). A row outside that scope
 * answers exactly as one that does not exist — `NOT_FOUND`, `<what> "<id>" does not exist`,
 * no other extension — and the mutation stops there, before any state, ownership or write is
 * looked at. Only a row the caller may read goes on to `CONFLICT` or `FORBIDDEN`.
 */
export async function inReadScope<T>(
  rows: PromiseLike<readonly T[]>,
  what: string,
  id: string,
): Promise<T> {
  const [row] = await rows;
  if (row === undefined) throw notFound(what, id);
  return row;
}
