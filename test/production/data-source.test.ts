import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessDataSource, SignedDataSource } from '../../gateway/data-source.js';
import { metrics } from '../../gateway/metrics.js';
import { SharedAnswers } from '../../gateway/shared-answers.js';
import { loadOrCreateSigningKey, type SigningKey } from '../../subgraphs/kernel/keys.js';
import { call, failure } from '../helpers/data-source.js';

type Reply = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** A stand-in subgraph answering each request with the next scripted reply. */
async function scriptedSubgraph() {
  const replies: Reply[] = [];
  const seen: { authorization?: string; requestId?: string; port?: number }[] = [];
  const server = http.createServer((req, res) => {
    seen.push({
      authorization: req.headers.authorization,
      requestId: req.headers['x-request-id'] as string,
      port: req.socket.remotePort,
    });
    req.resume();
    const reply = replies.shift() ?? ((_q, r) => r.writeHead(500).end());
    req.on('end', () => reply(req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    replies,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const ok: Reply = (_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ data: { banks: [{ id: 'icbc' }] } }));
};
const status =
  (code: number): Reply =>
  (_req, res) => {
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ errors: [{ message: `select * from secret_table failed` }] }));
  };
const hangUp: Reply = (req) => req.socket.destroy();
const never: Reply = () => {};

describe('subgraph data source', () => {
  let key: SigningKey;
  let subgraph: Awaited<ReturnType<typeof scriptedSubgraph>>;
  let dir: string;
  const source = (timeoutMs = 2_000) =>
    new SignedDataSource('banks', subgraph.url, key, 60, {
      policy: { timeoutMs, retries: 2, backoffMs: 1 },
    });

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kx-ds-'));
    key = await loadOrCreateSigningKey(path.join(dir, 'gateway.json'), 'gateway');
    subgraph = await scriptedSubgraph();
  });
  afterAll(async () => {
    await subgraph.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('signs every call for the subgraph and passes the request id on', async () => {
    subgraph.replies.push(ok);
    subgraph.seen.length = 0;
    const response = await call(source(), '{ banks { id } }');
    expect(response.data).toEqual({ banks: [{ id: 'icbc' }] });
    expect(subgraph.seen[0].authorization).toMatch(/^Bearer ey/);
    expect(subgraph.seen[0].requestId).toBe('rid-1');
  });

  it('retries a query after dropped connections and 503s, then serves it', async () => {
    const retries = metrics.subgraphFetchRetries.get({ subgraph: 'banks' });
    subgraph.replies.push(hangUp, status(503), ok);
    subgraph.seen.length = 0;
    const response = await call(source(), 'query Q { banks { id } }');
    expect(response.data).toEqual({ banks: [{ id: 'icbc' }] });
    expect(subgraph.seen).toHaveLength(3);
    expect(metrics.subgraphFetchRetries.get({ subgraph: 'banks' })).toBe(retries + 2);
  });

  it('opens no more connections than configured: the calls beyond wait for one', async () => {
    const pooled = new SignedDataSource('banks', subgraph.url, key, 60, {
      policy: { timeoutMs: 2_000, retries: 0, backoffMs: 1 },
      connections: 1,
    });
    subgraph.replies.push(ok, ok, ok);
    subgraph.seen.length = 0;
    const responses = await Promise.all([1, 2, 3].map(() => call(pooled, '{ banks { id } }')));
    expect(responses.map((r) => r.data)).toEqual(Array(3).fill({ banks: [{ id: 'icbc' }] }));
    expect(new Set(subgraph.seen.map((s) => s.port)).size).toBe(1);
  });

  it('gives up after the configured retries with SUBGRAPH_UNAVAILABLE naming the subgraph', async () => {
    subgraph.replies.push(status(503), status(503), status(503), ok);
    subgraph.seen.length = 0;
    const error = await failure(call(source(), '{ banks { id } }'));
    expect(subgraph.seen).toHaveLength(3);
    expect(error.extensions).toEqual({ code: 'SUBGRAPH_UNAVAILABLE', subgraph: 'banks' });
    expect(error.message).toBe(
      'subgraph "banks" is unavailable: it answered HTTP 503; its fields are missing from this response',
    );
    subgraph.replies.length = 0;
  });

  it('never retries a mutation, whose first attempt may have been applied', async () => {
    subgraph.replies.push(status(503), ok);
    subgraph.seen.length = 0;
    const error = await failure(call(source(), 'mutation { claimFinancingNeed(id: "n") { id } }'));
    expect(subgraph.seen).toHaveLength(1);
    expect(error.extensions.code).toBe('SUBGRAPH_UNAVAILABLE');
    subgraph.replies.length = 0;
  });

  it('gives every attempt a deadline and does not retry a timed-out query', async () => {
    subgraph.replies.push(never, ok);
    subgraph.seen.length = 0;
    const error = await failure(call(source(200), '{ banks { id } }'));
    expect(error.message).toBe(
      'subgraph "banks" is unavailable: it did not answer within 200 ms; its fields are missing from this response',
    );
    expect(subgraph.seen).toHaveLength(1);
    subgraph.replies.length = 0;
  });

  it('tells the client a timed-out mutation may have been applied: the subgraph may still be at work', async () => {
    subgraph.replies.push(never, ok);
    subgraph.seen.length = 0;
    const error = await failure(
      call(source(200), 'mutation { claimFinancingNeed(id: "n") { id } }'),
    );
    expect(error.message).toBe(
      'subgraph "banks" is unavailable: it did not answer within 200 ms, so the mutation may have been applied; its fields are missing from this response',
    );
    expect(subgraph.seen).toHaveLength(1);
    subgraph.replies.length = 0;
  });

  it('reports a subgraph that cannot be reached without its URL', async () => {
    const closed = new SignedDataSource('tech', 'http://127.0.0.1:9/graphql', key, 60, {
      policy: { timeoutMs: 2_000, retries: 1, backoffMs: 1 },
    });
    const error = await failure(call(closed, '{ banks { id } }'));
    expect(error.message).toBe(
      'subgraph "tech" is unavailable: it could not be reached; its fields are missing from this response',
    );
    expect(JSON.stringify(error)).not.toMatch(/127\.0\.0\.1|:9\b|http/);
  });

  it('takes only a JSON object for an answer: anything else is an invalid response', async () => {
    subgraph.replies.push((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('select * from secret_table');
    });
    const error = await failure(call(source(), 'mutation { claimFinancingNeed(id: "n") { id } }'));
    expect(error.message).toBe('subgraph "banks" sent an invalid response');
    expect(JSON.stringify(error)).not.toContain('secret_table');
  });

  it("limits the response's cache policy as the subgraph's cache-control says, to none without one", async () => {
    const hints: unknown[] = [];
    const withPolicy = (query: string) =>
      source().process({
        kind: 'incoming operation',
        request: { query, variables: {} },
        document: parse(query),
        context: {
          caller: { sub: 's', party: 'pboc', org: null, scopes: new Set(), requestId: 'rid-1' },
          requestId: 'rid-1',
        },
        incomingRequestContext: {
          overallCachePolicy: { restrict: (hint: unknown) => hints.push(hint) },
        },
      } as never);
    subgraph.replies.push(ok, (_req, res) => {
      res.writeHead(200, {
        'content-type': 'application/json',
        'cache-control': 'max-age=60, public',
      });
      res.end(JSON.stringify({ data: { banks: [] } }));
    });
    await withPolicy('{ banks { id } }');
    await withPolicy('{ banks { id } }');
    expect(hints).toEqual([{ maxAge: 0 }, { maxAge: 60, scope: 'PUBLIC' }]);
  });

  it('keeps a 4xx body and URL away from the client: the error carries no code to pass masking', async () => {
    subgraph.replies.push(status(403));
    const error = await failure(call(source(), '{ banks { id } }'));
    expect(error.message).toBe('subgraph "banks" refused the gateway\'s request');
    expect(error.extensions).toEqual({});
  });

  describe('answers a subgraph marks public', () => {
    const answering =
      (body: unknown, cacheControl = 'max-age=60, public'): Reply =>
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': cacheControl });
        res.end(JSON.stringify(body));
      };
    const banks = (name: string) => ({ data: { banks: [{ id: 'icbc', name }] } });
    let now = 0;
    const keeping = () =>
      new SignedDataSource('banks', subgraph.url, key, 60, {
        policy: { timeoutMs: 2_000, retries: 0, backoffMs: 1 },
        sharedAnswers: new SharedAnswers({ now: () => now }),
      });
    const QUERY = '{ banks { id name } }';

    it('serves the same call again, to any caller, without making it until the max-age runs out', async () => {
      const source = keeping();
      now = 1_000_000;
      const served = metrics.subgraphSharedAnswers.get({ subgraph: 'banks' });
      subgraph.replies.push(answering(banks('ICBC')), answering(banks('ICBC Xianning')));
      subgraph.seen.length = 0;
      const first = await call(source, QUERY, { party: 'bank', org: 'icbc' });
      now += 59_000;
      const again = await call(source, QUERY, { party: 'enterprise', org: 'e-1' });
      expect(subgraph.seen).toHaveLength(1);
      expect(again.data).toEqual(first.data);
      expect(metrics.subgraphSharedAnswers.get({ subgraph: 'banks' })).toBe(served + 1);
      now += 1_000;
      const expired = await call(source, QUERY, { party: 'bank', org: 'icbc' });
      expect(subgraph.seen).toHaveLength(2);
      expect(expired.data).toEqual(banks('ICBC Xianning').data);
    });

    it('keeps nothing private, unmarked, with errors or of a mutation; another request is its own call', async () => {
      const source = keeping();
      const replies: Reply[] = [
        answering(banks('a'), 'max-age=60, private'),
        answering(banks('b'), 'max-age=60'),
        answering(banks('c'), 'max-age=0, public'),
        answering({ errors: [{ message: 'not now' }], data: { banks: [] } }),
      ];
      subgraph.seen.length = 0;
      for (const reply of replies) {
        subgraph.replies.push(reply, reply);
        await call(source, QUERY);
        await call(source, QUERY);
      }
      expect(subgraph.seen).toHaveLength(8);
      const MUTATION = 'mutation { renameBank(id: "icbc") { id name } }';
      subgraph.replies.push(answering(banks('d')), answering(banks('e')));
      await call(source, MUTATION);
      expect((await call(source, MUTATION)).data).toEqual(banks('e').data);
      subgraph.replies.push(answering(banks('f')), answering(banks('g')));
      await call(source, QUERY);
      expect((await call(source, '{ banks { id name kind } }')).data).toEqual(banks('g').data);
      expect(subgraph.seen).toHaveLength(12);
      subgraph.replies.length = 0;
    });

    it("hands every plan its own copy: what one does to its answer does not reach the next's", async () => {
      const source = keeping();
      subgraph.replies.push(answering(banks('ICBC')));
      const first = await call(source, QUERY);
      (first.data as { banks: { name: string }[] }).banks[0].name = 'changed';
      expect((await call(source, QUERY)).data).toEqual(banks('ICBC').data);
    });
  });

  it('keeps public answers in the embedded graph too, where the subgraph is a function call', async () => {
    const asked: string[] = [];
    const embedded = new InProcessDataSource(
      'banks',
      () => ({
        execute: async ({ query }) => {
          asked.push(query);
          const marked = !query.includes('kind');
          return {
            body: { data: { banks: [{ id: 'icbc', name: `ICBC ${asked.length}` }] } },
            ...(marked && { cacheControl: 'max-age=60, public' }),
          };
        },
      }),
      key,
      60,
    );
    const first = await call(embedded, '{ banks { id name } }');
    expect((await call(embedded, '{ banks { id name } }')).data).toEqual(first.data);
    await call(embedded, '{ banks { id name kind } }');
    await call(embedded, '{ banks { id name kind } }');
    await call(embedded, 'mutation { renameBank(id: "icbc") { id name } }');
    await call(embedded, 'mutation { renameBank(id: "icbc") { id name } }');
    expect(asked).toHaveLength(5);
  });
});
