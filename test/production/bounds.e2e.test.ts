import http from 'node:http';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGraph, type TestGraph } from '../helpers/graph.js';

// Starting a graph (four PGlite databases, migrated and seeded) is slow on a loaded 2-core machine.
const GRAPH_START_TIMEOUT = 300_000;

// Tight bounds, so each can be crossed with a small operation; production switches.
const ENV = {
  MAX_DEPTH: '5',
  MAX_ALIASES: '4',
  MAX_TOKENS: '300',
  MAX_COST: '5000',
  MAX_BODY_BYTES: '20000',
  INTROSPECTION: 'false',
  SANDBOX: 'false',
};

interface Answer {
  status: number;
  text: string;
  body: any;
}

describe('a gateway safe to expose', () => {
  let graph: TestGraph;
  let finance: string;
  let enterprise: string;
  let url: string;
  let subgraphHosts: string[];

  /** Any request, raw: the body is sent as given. */
  async function send(
    init: { method?: string; headers?: Record<string, string>; body?: string },
    path = '/',
  ): Promise<Answer> {
    const response = await fetch(new URL(path, url), {
      method: init.method ?? 'POST',
      headers: init.headers,
      body: init.body,
    });
    const text = await response.text();
    let body: any;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { status: response.status, text, body };
  }

  const post = (
    payload: unknown,
    token: string | null = finance,
    contentType = 'application/json',
  ) =>
    send({
      headers: {
        'content-type': contentType,
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: typeof payload === 'string' ? payload : JSON.stringify(payload),
    });

  beforeAll(async () => {
    graph = await startTestGraph('pglite', { seedScale: 0.05, env: ENV });
    finance = await graph.token('finance_office');
    enterprise = await graph.token('enterprise', 'ent-000001');
    url = graph.graph.gateway.url;
    subgraphHosts = Object.values(graph.graph.subgraphs).map((s) => new URL(s.url).host);
  }, GRAPH_START_TIMEOUT);
  afterAll(async () => {
    await graph?.stop();
  });

  /** A clear refusal: JSON errors with a code, never a stack or an internal address. */
  function expectClearError(answer: Answer, status: number, code: string) {
    expect(answer.status).toBe(status);
    expect(answer.body?.errors?.[0]?.extensions?.code).toBe(code);
    expect(answer.text).not.toMatch(/stacktrace|\bat .+\.(ts|js):\d+/);
    for (const host of subgraphHosts) expect(answer.text).not.toContain(host);
  }

  describe('bounds', () => {
    it('serves an operation within every bound', async () => {
      const answer = await post({ query: '{ enterprises(first: 2) { nodes { id name } } }' });
      expect(answer.status).toBe(200);
      expect(answer.body.errors ?? []).toEqual([]);
      expect(answer.body.data.enterprises.nodes).toHaveLength(2);
    });

    it('refuses an operation deeper than MAX_DEPTH, naming the limit and the depth', async () => {
      const answer = await post({
        query:
          '{ enterprises(first: 1) { nodes { financingNeeds { enterprise { financingNeeds { id } } } } } }',
      });
      expectClearError(answer, 400, 'OPERATION_TOO_COMPLEX');
      expect(answer.body.errors[0]).toEqual({
        message: 'operation is 6 fields deep, more than the limit of 5 (MAX_DEPTH)',
        extensions: { code: 'OPERATION_TOO_COMPLEX', limit: 'MAX_DEPTH', max: 5, actual: 6 },
      });
    });

    it('refuses more aliases than MAX_ALIASES', async () => {
      const answer = await post({
        query:
          '{ a: banks { id } b: banks { id } c: banks { id } d: banks { id } e: banks { id } }',
      });
      expectClearError(answer, 400, 'OPERATION_TOO_COMPLEX');
      expect(answer.body.errors[0].message).toBe(
        'operation uses 5 aliases, more than the limit of 4 (MAX_ALIASES)',
      );
    });

    it('refuses more lexer tokens than MAX_TOKENS before parsing', async () => {
      const answer = await post({ query: `{ banks { ${'id '.repeat(400)}} }` });
      expectClearError(answer, 400, 'OPERATION_TOO_COMPLEX');
      expect(answer.body.errors[0].message).toBe(
        'operation has 405 tokens, more than the limit of 300 (MAX_TOKENS)',
      );
      expect(answer.body.errors[0].extensions).toMatchObject({ limit: 'MAX_TOKENS', actual: 405 });
    });

    it('refuses an operation whose estimated cost passes MAX_COST, with the estimate', async () => {
      const answer = await post({
        query: '{ enterprises(first: 100) { nodes { creditLines { loans { id } } } } }',
      });
      expectClearError(answer, 400, 'OPERATION_TOO_COMPLEX');
      expect(answer.body.errors[0].message).toMatch(
        /^operation has an estimated cost of 21200, more than the limit of 5000 \(MAX_COST\)/,
      );
    });

    it('counts variables into the cost', async () => {
      const query =
        'query ($n: Int) { enterprises(first: $n) { nodes { creditLines { loans { id } } } } }';
      expect((await post({ query, variables: { n: 5 } })).status).toBe(200);
      expectClearError(await post({ query, variables: { n: 100 } }), 400, 'OPERATION_TOO_COMPLEX');
      // A verdict is kept per document and variables: neither answer leaks into the other.
      expect((await post({ query, variables: { n: 5 } })).status).toBe(200);
      expectClearError(await post({ query, variables: { n: 100 } }), 400, 'OPERATION_TOO_COMPLEX');
    });

    it('refuses a page beyond MAX_PAGE_SIZE before asking a subgraph', async () => {
      const answer = await post({ query: '{ enterprises(first: 1000) { nodes { id } } }' });
      expectClearError(answer, 400, 'BAD_USER_INPUT');
      expect(answer.body.errors[0].message).toBe('first: must be between 0 and 100');
    });

    it('refuses a body over MAX_BODY_BYTES with 413 before reading it all', async () => {
      const answer = await post({ query: `{ banks { id } }${' '.repeat(30_000)}` });
      expectClearError(answer, 413, 'PAYLOAD_TOO_LARGE');
      expect(answer.body.errors[0].message).toBe('request body exceeds 20000 bytes');
    });
  });

  describe('production switches', () => {
    it('refuses introspection when INTROSPECTION=false, still answering __typename', async () => {
      for (const query of [
        '{ __schema { types { name } } }',
        '{ __type(name: "Bank") { name } }',
      ]) {
        const answer = await post({ query });
        expectClearError(answer, 400, 'GRAPHQL_VALIDATION_FAILED');
        expect(answer.body.errors[0].message).toMatch(/introspection is not allowed/);
      }
      const typename = await post({ query: '{ __typename }' });
      expect(typename.body.data).toEqual({ __typename: 'Query' });
    });

    it('serves no explorer or Sandbox page when SANDBOX=false', async () => {
      const answer = await send({ method: 'GET', headers: { accept: 'text/html' } });
      expectClearError(answer, 404, 'NOT_FOUND');
      expect(answer.body.errors[0].message).toMatch(/explorer and Apollo Sandbox are switched off/);
    });

    it('masks a database failure inside a subgraph: no SQL, no stack, only the request id to quote', async () => {
      const banks = graph.graph.databases.banks;
      await banks.rows(sql`alter table banks rename to banks_moved`);
      try {
        const answer = await post({ query: '{ banks { id name } }' });
        expect(answer.status).toBe(200);
        expect(answer.body.errors).toEqual([
          {
            message: 'internal error',
            path: ['banks'],
            extensions: { code: 'INTERNAL_SERVER_ERROR' },
          },
        ]);
        expect(answer.text).not.toMatch(/banks_moved|relation|select|from/i);
      } finally {
        await banks.rows(sql`alter table banks_moved rename to banks`);
      }
      expect((await post({ query: '{ banks { id } }' })).body.errors ?? []).toEqual([]);
    });
  });

  describe('fuzz: malformed and hostile requests', () => {
    const json = 'application/json';
    const hostile: { name: string; answer: () => Promise<Answer> }[] = [
      { name: 'truncated JSON', answer: () => post('{"query": "{ banks { id } }"') },
      { name: 'JSON array (batch)', answer: () => post('[{"query": "{ banks { id } }"}]') },
      { name: 'JSON string', answer: () => post('"{ banks { id } }"') },
      { name: 'JSON null', answer: () => post('null') },
      { name: 'JSON number', answer: () => post('42') },
      { name: 'empty body', answer: () => post('') },
      { name: 'query as a number', answer: () => post({ query: 42 }) },
      { name: 'query as an object', answer: () => post({ query: { banks: true } }) },
      {
        name: 'variables as a string',
        answer: () => post({ query: '{ banks { id } }', variables: 'x' }),
      },
      {
        name: 'operationName unknown',
        answer: () => post({ query: 'query A { banks { id } }', operationName: 'B' }),
      },
      {
        name: 'two operations, no name',
        answer: () => post({ query: 'query A { banks { id } } query B { banks { id } }' }),
      },
      { name: 'subscription', answer: () => post({ query: 'subscription { banks { id } }' }) },
      { name: 'unknown field', answer: () => post({ query: '{ secrets { password } }' }) },
      { name: 'syntax error', answer: () => post({ query: '{ banks { id ' }) },
      {
        name: 'text/plain body',
        answer: () => post({ query: '{ banks { id } }' }, finance, 'text/plain'),
      },
      {
        name: 'form body',
        answer: () =>
          post('query=%7B+banks+%7B+id+%7D+%7D', finance, 'application/x-www-form-urlencoded'),
      },
      {
        name: 'application/graphql',
        answer: () => post('{ banks { id } }', finance, 'application/graphql'),
      },
      {
        name: 'no content type',
        answer: () =>
          send({
            headers: { authorization: `Bearer ${finance}` },
            body: '{"query":"{ banks { id } }"}',
          }),
      },
      {
        name: 'PUT',
        answer: () =>
          send({
            method: 'PUT',
            headers: { 'content-type': json, authorization: `Bearer ${finance}` },
            body: '{"query":"{ banks { id } }"}',
          }),
      },
      {
        name: 'DELETE',
        answer: () => send({ method: 'DELETE', headers: { authorization: `Bearer ${finance}` } }),
      },
      {
        name: 'GET without preflight header',
        answer: () =>
          send(
            { method: 'GET', headers: { authorization: `Bearer ${finance}` } },
            '/?query=%7B%20banks%20%7B%20id%20%7D%20%7D',
          ),
      },
      {
        name: 'GET mutation',
        answer: () =>
          send(
            {
              method: 'GET',
              headers: { authorization: `Bearer ${finance}`, 'apollo-require-preflight': '1' },
            },
            `/?query=${encodeURIComponent('mutation { revokeConsent(id: "c") { id } }')}`,
          ),
      },
      {
        name: 'huge query',
        answer: () => post({ query: `{ banks { id } }${'#'.repeat(100_000)}` }),
      },
      {
        name: 'deeply nested selections',
        answer: () => post({ query: `${'{ a '.repeat(3000)}${'}'.repeat(3000)}` }),
      },
      {
        name: 'deeply nested list literal',
        answer: () =>
          post({ query: `{ banks(x: ${'['.repeat(3000)}${']'.repeat(3000)}) { id } }` }),
      },
      {
        name: 'deeply nested JSON variables',
        answer: () =>
          post(
            `{"query":"query ($id: ID!) { enterprise(id: $id) { id } }","variables":{"id":${'['.repeat(5000)}${']'.repeat(5000)}}}`,
          ),
      },
      {
        name: 'alias flood',
        answer: () =>
          post({
            query: `{ ${Array.from({ length: 60 }, (_, i) => `a${i}: __typename`).join(' ')} }`,
          }),
      },
      {
        name: 'fragment cycle',
        answer: () =>
          post({ query: '{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }' }),
      },
      {
        name: 'fragment bomb',
        answer: () =>
          post({
            query: `{ ...F0 } ${Array.from({ length: 8 }, (_, i) => `fragment F${i} on Query { banks { id } ...F${i + 1} ...F${i + 1} }`).join(' ')} fragment F8 on Query { banks { id } }`,
          }),
      },
      {
        name: 'repeated directive',
        answer: () => post({ query: `{ banks ${'@skip(if: false) '.repeat(30)}{ id } }` }),
      },
      {
        name: 'SQL in an identifier',
        answer: () =>
          post({
            query: 'query ($u: String!) { enterpriseByUscc(uscc: $u) { id } }',
            variables: { u: "'; drop table enterprises; --" },
          }),
      },
      {
        name: 'empty identifier',
        answer: () =>
          post({ query: 'query ($id: ID!) { enterprise(id: $id) { id } }', variables: { id: '' } }),
      },
      {
        name: 'long identifier',
        answer: () =>
          post({
            query: 'query ($id: ID!) { enterprise(id: $id) { id } }',
            variables: { id: 'x'.repeat(10_000) },
          }),
      },
      {
        name: 'NUL in an identifier',
        answer: () =>
          post({
            query: 'query ($id: ID!) { enterprise(id: $id) { id } }',
            variables: { id: 'ent-\u0000001' },
          }),
      },
      {
        name: 'identifier as an object',
        answer: () =>
          post({
            query: 'query ($id: ID!) { enterprise(id: $id) { id } }',
            variables: { id: { $ne: null } },
          }),
      },
      {
        name: 'amount as words',
        answer: () =>
          post({
            query: 'query ($a: Money) { products(filter: { amount: $a }) { nodes { id } } }',
            variables: { a: 'one million' },
          }),
      },
      {
        name: 'amount as a float',
        answer: () =>
          post({
            query: 'query ($a: Money) { products(filter: { amount: $a }) { nodes { id } } }',
            variables: { a: 12.5 },
          }),
      },
      {
        name: 'amount with an exponent',
        answer: () =>
          post({
            query: 'query ($a: Money) { products(filter: { amount: $a }) { nodes { id } } }',
            variables: { a: '1e309' },
          }),
      },
      {
        name: 'amount in full-width digits',
        answer: () =>
          post({
            query: 'query ($a: Money) { products(filter: { amount: $a }) { nodes { id } } }',
            variables: { a: '１２３' },
          }),
      },
      {
        name: 'negative amount in a mutation',
        answer: () =>
          post(
            {
              query:
                'mutation ($i: SubmitFinancingNeedInput!) { submitFinancingNeed(input: $i) { need { id } } }',
              variables: {
                i: {
                  amount: '-5',
                  termMonths: 12,
                  purpose: 'x',
                  collateral: ['NONE'],
                  visibility: 'OPEN_TO_ALL_BANKS',
                },
              },
            },
            enterprise,
          ),
      },
      {
        name: 'overflowing term in a mutation',
        answer: () =>
          post(
            {
              query:
                'mutation ($i: SubmitFinancingNeedInput!) { submitFinancingNeed(input: $i) { need { id } } }',
              variables: {
                i: {
                  amount: '5',
                  termMonths: 2 ** 40,
                  purpose: 'x',
                  collateral: ['NONE'],
                  visibility: 'OPEN_TO_ALL_BANKS',
                },
              },
            },
            enterprise,
          ),
      },
      {
        name: 'overflowing Int literal',
        answer: () => post({ query: '{ enterprises(first: 2147483648) { nodes { id } } }' }),
      },
      {
        name: 'overflowing Int variable',
        answer: () =>
          post({
            query: 'query ($n: Int) { enterprises(first: $n) { nodes { id } } }',
            variables: { n: 1e20 },
          }),
      },
      {
        name: 'fractional Int variable',
        answer: () =>
          post({
            query: 'query ($n: Int) { enterprises(first: $n) { nodes { id } } }',
            variables: { n: 1.5 },
          }),
      },
      {
        name: 'negative page',
        answer: () => post({ query: '{ enterprises(first: -1) { nodes { id } } }' }),
      },
      {
        name: 'forged cursor',
        answer: () => post({ query: '{ enterprises(after: "JyBvciAxPTE=") { nodes { id } } }' }),
      },
      {
        name: 'byte order mark and zero-width characters',
        answer: () => post({ query: '\ufeff{ ban\u200bks { id } }' }),
      },
      {
        name: 'lone surrogate in a string',
        answer: () => post({ query: '{ enterprise(id: "\\ud800") { id } }' }),
      },
      {
        name: 'right-to-left override in a name',
        answer: () => post({ query: '{ \u202ebanks { id } }' }),
      },
      {
        name: 'emoji and CJK in variables',
        answer: () =>
          post({
            query: 'query ($u: String!) { enterpriseByUscc(uscc: $u) { id } }',
            variables: { u: '咸宁🚀科技' },
          }),
      },
      { name: 'no token', answer: () => post({ query: '{ banks { id } }' }, null) },
      { name: 'garbage token', answer: () => post({ query: '{ banks { id } }' }, 'not.a.token') },
      {
        name: 'alg none token',
        answer: () =>
          post(
            { query: '{ banks { id } }' },
            `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"x","party":"finance_office"}').toString('base64url')}.`,
          ),
      },
      {
        name: 'tampered token',
        answer: () =>
          post(
            { query: '{ banks { id } }' },
            `${finance.split('.').slice(0, 2).join('.')}.${'A'.repeat(86)}`,
          ),
      },
      { name: 'huge token', answer: () => post({ query: '{ banks { id } }' }, 'e'.repeat(20_000)) },
      {
        name: 'Basic credentials',
        answer: () =>
          send({
            headers: { 'content-type': json, authorization: 'Basic YWRtaW46YWRtaW4=' },
            body: '{"query":"{ banks { id } }"}',
          }),
      },
    ];

    it('answers every one with a clear 4xx or GraphQL error, never a 500 or a stack', async () => {
      const failures: string[] = [];
      for (const { name, answer } of hostile) {
        const got = await answer();
        const codes = (got.body?.errors ?? []).map((e: any) => e?.extensions?.code);
        const clear =
          got.status < 500 &&
          got.body !== undefined &&
          (got.status >= 400
            ? codes.length > 0
            : codes.length > 0 || got.body.data !== undefined) &&
          !codes.includes('INTERNAL_SERVER_ERROR') &&
          !/stacktrace|\bat .+\.(ts|js):\d+/.test(got.text) &&
          subgraphHosts.every((host) => !got.text.includes(host));
        if (!clear) failures.push(`${name}: ${got.status} ${got.text.slice(0, 300)}`);
      }
      expect(failures).toEqual([]);
    });

    it('answers odd request targets without a 500', async () => {
      const raw = (path: string) =>
        new Promise<number>((resolve, reject) => {
          const target = new URL(url);
          http
            .request({ host: target.hostname, port: target.port, path, method: 'GET' }, (res) => {
              res.resume();
              resolve(res.statusCode!);
            })
            .on('error', reject)
            .end();
        });
      for (const path of ['//', '/%zz', '/graphql/../../etc/passwd', '/graphql?query=%']) {
        const status = await raw(path);
        expect(status, path).toBeGreaterThanOrEqual(400);
        expect(status, path).toBeLessThan(500);
      }
    });

    it('is still serving afterwards', async () => {
      const answer = await post({ query: '{ enterprises(first: 1) { nodes { id } } }' });
      expect(answer.status).toBe(200);
      expect(answer.body.data.enterprises.nodes).toHaveLength(1);
      const health = await fetch(new URL('/health', url));
      expect(health.status).toBe(200);
    });
  });
});
