import type { IncomingHttpHeaders } from 'node:http';
import { Pool } from 'undici';

// Failures to open a connection: the request itself was never sent.
const NOT_CONNECTED = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** An attempt that outlived its deadline, wherever it was: queued, connecting, or reading. */
export class SubgraphTimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

/**
 * The connection failed (refused, reset, closed mid-answer). `sent`: it had been opened, so the
 * subgraph may have received the request.
 */
export class SubgraphConnectionError extends Error {
  readonly sent: boolean;

  constructor(cause: unknown) {
    super('subgraph connection failed', { cause });
    const code = (cause as { code?: unknown } | undefined)?.code;
    this.sent = !(typeof code === 'string' && NOT_CONNECTED.has(code));
  }
}

/** A subgraph's answer, its body read whole within the attempt's deadline. */
export interface SubgraphAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface SubgraphTransport {
  /** Connections kept open to the subgraph at most; calls beyond wait for one. */
  connections: number;
  /** Deadline of one attempt, from queueing for a connection to the body's last byte. */
  timeoutMs: number;
}

/**
 * The transport of one subgraph's data source: undici's `request` over a bounded keep-alive pool
 * to the subgraph's origin. The global `fetch` spends several times the CPU per call on WHATWG
 * streams, Request/Response objects and its AbortSignal; a call needs a POST, a status, a header
 * or two and a JSON body.
 */
export function subgraphFetcher(url: string, { connections, timeoutMs }: SubgraphTransport) {
  const target = new URL(url);
  const pool = new Pool(target.origin, { connections });
  const path = `${target.pathname}${target.search}`;

  async function exchange(
    headers: Record<string, string>,
    body: string,
    signal: AbortSignal,
  ): Promise<SubgraphAnswer> {
    const response = await pool.request({ path, method: 'POST', headers, body, signal });
    return {
      status: response.statusCode,
      headers: response.headers,
      body: await response.body.text(),
    };
  }

  return async (headers: Record<string, string>, body: string): Promise<SubgraphAnswer> => {
    const deadline = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    // undici acts on an abort only once the request has a connection: a call still waiting for
    // one (the pool busy, or its connection being opened) is failed here, on time.
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new SubgraphTimeoutError(`no answer within ${timeoutMs} ms`);
        deadline.abort(error);
        reject(error);
      }, timeoutMs);
    });
    try {
      return await Promise.race([exchange(headers, body, deadline.signal), expired]);
    } catch (error) {
      if (error instanceof SubgraphTimeoutError) throw error;
      throw new SubgraphConnectionError(error);
    } finally {
      clearTimeout(timer);
    }
  };
}
