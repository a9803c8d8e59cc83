import { h } from './dom.js';

export interface GraphError {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; rule?: string; needs?: string[] };
}

const TOKEN_KEY = 'kx-console-token';

export const session = {
  token: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  signIn: (token: string) => sessionStorage.setItem(TOKEN_KEY, token.trim()),
  signOut: () => sessionStorage.removeItem(TOKEN_KEY),
};

/** What a token says of its holder; for display only, the gateway verifies it on every call. */
export interface Claims {
  party: string;
  org?: string;
  sub?: string;
  exp?: number;
}

export function claimsOf(token: string): Claims | null {
  try {
    const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const json = new TextDecoder().decode(Uint8Array.from(atob(payload), (c) => c.charCodeAt(0)));
    const claims = JSON.parse(json) as Claims;
    return typeof claims.party === 'string' ? claims : null;
  } catch {
    return null;
  }
}

/** A denial names the field's path; the gateway answers it with null and this error. */
const WITHHELD = 'UNAUTHORIZED_FIELD_OR_TYPE';

export class Answer<T> {
  constructor(
    readonly data: T | null,
    readonly errors: GraphError[],
  ) {}

  /** The denial of the field at `path`, if the gateway withheld it. */
  withheld(path: (string | number)[]): GraphError | undefined {
    const key = path.join('.');
    return this.errors.find(
      (error) => error.extensions?.code === WITHHELD && error.path?.join('.') === key,
    );
  }

  /** Errors other than withheld fields: the page shows them as they are. */
  failures(): GraphError[] {
    return this.errors.filter((error) => error.extensions?.code !== WITHHELD);
  }
}

export class SignedOut extends Error {}

/** One operation against `/graphql` with the signed-in party's own token. */
export async function gql<T>(
  query: string,
  variables: Record<string, unknown> = {},
  token: string | null = session.token(),
): Promise<Answer<T>> {
  const response = await fetch('/graphql', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  if (response.status === 401) throw new SignedOut('the token was refused; sign in again');
  const body = (await response.json()) as { data?: T; errors?: GraphError[] };
  return new Answer(body.data ?? null, body.errors ?? []);
}

/** "…Enterprise.contact is withheld; it needs …": the part that says what would grant it. */
function explanation(error: GraphError): string {
  const at = error.message.indexOf('withheld;');
  return at >= 0 ? error.message.slice(at + 'withheld;'.length).trim() : error.message;
}

/**
 * A field the gateway withheld: never a blank or a zero, but the word and the rule that denied
 * it, with what would grant it.
 */
export function withheldBadge(error: GraphError): HTMLElement {
  const rule = error.extensions?.rule ?? 'policy';
  return h(
    'span',
    { class: 'withheld', 'data-rule': rule, title: error.message },
    h('strong', {}, '已隐去 · withheld'),
    h('small', {}, ` (${rule}) ${explanation(error)}`),
  );
}

/** The field at `path` rendered by `render`, or its withheld badge. */
export function field<V>(
  answer: Answer<unknown>,
  path: (string | number)[],
  value: V | null | undefined,
  render: (value: V) => Node | string,
): Node | string {
  const denied = answer.withheld(path);
  if (denied) return withheldBadge(denied);
  if (value === null || value === undefined) return '—';
  return render(value);
}

export function failureBanner(answer: Answer<unknown>): HTMLElement | null {
  const failures = answer.failures();
  if (failures.length === 0) return null;
  return h(
    'div',
    { class: 'failure', role: 'alert' },
    ...failures.map((error) => h('p', {}, error.message)),
  );
}
