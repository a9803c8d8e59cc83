/** An answer kept: its body as the subgraph sent it, until when it may be served, its bytes. */
interface Kept {
  body: string;
  expiresAt: number;
  /** UTF-8 bytes of the body and of the request it answers. */
  bytes: number;
}

export interface SharedAnswersOptions {
  /** Answers kept at most; the least recently served goes first. */
  entries?: number;
  /** UTF-8 bytes kept at most, bodies and requests over all entries. */
  bytes?: number;
  /** An answer whose body and request together are longer than this is never kept. */
  entryBytes?: number;
  now?: () => number;
}

/**
 * A subgraph's answers that its own schema marks public (`@cacheControl(scope: PUBLIC)`, sent as
 * `cache-control: max-age=N, public`): the same for every caller, so the gateway may serve one
 * again for up to N seconds to anyone whose query plan sends the very same request, and skip the
 * call. Keyed by the whole request (query text and variables), kept as the text the subgraph sent,
 * so every hit is parsed anew and no plan can change another's copy. Only a query's answer
 * without errors is kept; the caller decides that, and this only bounds what is kept.
 */
export class SharedAnswers {
  private readonly kept = new Map<string, Kept>();
  private size = 0;
  private readonly entries: number;
  private readonly bytes: number;
  private readonly entryBytes: number;
  private readonly now: () => number;

  constructor(options: SharedAnswersOptions = {}) {
    this.entries = options.entries ?? 1_000;
    this.bytes = options.bytes ?? 16 * 2 ** 20;
    this.entryBytes = options.entryBytes ?? 256 * 2 ** 10;
    this.now = options.now ?? Date.now;
  }

  /** The answer kept for this request and the seconds it may still be kept, if it has not expired. */
  get(request: string): { body: string; maxAge: number } | undefined {
    const kept = this.kept.get(request);
    if (!kept) return undefined;
    const left = kept.expiresAt - this.now();
    if (left <= 0) {
      this.drop(request, kept);
      return undefined;
    }
    // Re-inserted: the map's order is least recently served first.
    this.kept.delete(request);
    this.kept.set(request, kept);
    return { body: kept.body, maxAge: Math.floor(left / 1000) };
  }

  set(request: string, body: string, maxAgeSeconds: number): void {
    if (!(maxAgeSeconds > 0)) return;
    const bytes = Buffer.byteLength(body) + Buffer.byteLength(request);
    if (bytes > this.entryBytes) return;
    const old = this.kept.get(request);
    if (old) this.drop(request, old);
    this.kept.set(request, { body, expiresAt: this.now() + maxAgeSeconds * 1000, bytes });
    this.size += bytes;
    for (const [key, kept] of this.kept) {
      if (this.kept.size <= this.entries && this.size <= this.bytes) break;
      this.drop(key, kept);
    }
  }

  private drop(request: string, kept: Kept): void {
    this.kept.delete(request);
    this.size -= kept.bytes;
  }
}
