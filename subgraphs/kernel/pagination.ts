import { badInput } from './errors.js';

export interface PageArgs {
  first?: number | null;
  after?: string | null;
}

export interface PageLimits {
  defaultPageSize: number;
  maxPageSize: number;
}

/** Opaque keyset cursor: the sort key of the last row, base64url-encoded. */
export function encodeCursor(key: string): string {
  return Buffer.from(`k:${key}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): string {
  const raw = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!raw.startsWith('k:')) throw badInput('after', 'is not a cursor returned by this API');
  return raw.slice(2);
}

/** Validated page size and decoded cursor; one extra row is fetched to know whether more follow. */
export function pageWindow(args: PageArgs, limits: PageLimits): { limit: number; after?: string } {
  const first = args.first ?? limits.defaultPageSize;
  if (!Number.isInteger(first) || first < 0 || first > limits.maxPageSize) {
    throw badInput('first', `must be between 0 and ${limits.maxPageSize}`);
  }
  return { limit: first, after: args.after ? decodeCursor(args.after) : undefined };
}

export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  nodes: T[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/** Builds a connection from `limit + 1` rows ordered by `keyOf`. */
export function toConnection<T>(
  rows: T[],
  limit: number,
  keyOf: (row: T) => string,
): Connection<T> {
  const nodes = rows.slice(0, limit);
  const edges = nodes.map((node) => ({ cursor: encodeCursor(keyOf(node)), node }));
  return {
    edges,
    nodes,
    pageInfo: {
      hasNextPage: rows.length > limit,
      endCursor: edges.length ? edges[edges.length - 1].cursor : null,
    },
  };
}

/** One page of a connection: the window from `first`/`after`, the rows `fetch` reads for it. */
export async function pageOf<T>(
  args: PageArgs,
  limits: PageLimits,
  fetch: (limit: number, after: string | undefined) => Promise<T[]>,
  keyOf: (row: T) => string,
): Promise<Connection<T>> {
  const { limit, after } = pageWindow(args, limits);
  return toConnection(await fetch(limit, after), limit, keyOf);
}
