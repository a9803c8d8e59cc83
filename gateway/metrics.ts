/**
 * Prometheus metrics in the text exposition format (version 0.0.4), written by hand: a few
 * counters and histograms do not need a client library. Like prom-client's default registry the
 * instruments are process-wide, so the disclosure log or a data source can count without being
 * handed the gateway.
 */

type Labels = Record<string, string>;

function labelText(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  const escape = (value: string) =>
    value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
  return `{${entries.map(([k, v]) => `${k}="${escape(v)}"`).join(',')}}`;
}

function keyOf(labels: Labels): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));
}

interface Instrument {
  render(): string;
}

export class Counter implements Instrument {
  private readonly values = new Map<string, { labels: Labels; value: number }>();

  constructor(
    readonly name: string,
    private readonly help: string,
    readonly labelNames: string[] = [],
  ) {
    // A counter without labels exists from the start: a scrape before its first event reads 0.
    if (labelNames.length === 0) this.inc({}, 0);
  }

  inc(labels: Labels = {}, by = 1): void {
    const key = keyOf(labels);
    const entry = this.values.get(key) ?? { labels, value: 0 };
    entry.value += by;
    this.values.set(key, entry);
  }

  get(labels: Labels = {}): number {
    return this.values.get(keyOf(labels))?.value ?? 0;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const { labels, value } of this.values.values()) {
      lines.push(`${this.name}${labelText(labels)} ${value}`);
    }
    return lines.join('\n');
  }
}

export class Gauge implements Instrument {
  private value = 0;

  constructor(
    readonly name: string,
    private readonly help: string,
    private readonly read?: () => number,
  ) {}

  add(by: number): void {
    this.value += by;
  }

  set(value: number): void {
    this.value = value;
  }

  get(): number {
    return this.read ? this.read() : this.value;
  }

  render(): string {
    return [
      `# HELP ${this.name} ${this.help}`,
      `# TYPE ${this.name} gauge`,
      `${this.name} ${this.get()}`,
    ].join('\n');
  }
}

export class Histogram implements Instrument {
  private readonly series = new Map<
    string,
    { labels: Labels; counts: number[]; sum: number; count: number }
  >();

  constructor(
    readonly name: string,
    private readonly help: string,
    readonly labelNames: string[],
    private readonly buckets: number[],
  ) {}

  observe(labels: Labels, value: number): void {
    const key = keyOf(labels);
    let entry = this.series.get(key);
    if (!entry) {
      entry = { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.series.set(key, entry);
    }
    this.buckets.forEach((bound, i) => {
      if (value <= bound) entry.counts[i] += 1;
    });
    entry.sum += value;
    entry.count += 1;
  }

  count(labels: Labels): number {
    return this.series.get(keyOf(labels))?.count ?? 0;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const { labels, counts, sum, count } of this.series.values()) {
      this.buckets.forEach((bound, i) => {
        lines.push(
          `${this.name}_bucket${labelText({ ...labels, le: String(bound) })} ${counts[i]}`,
        );
      });
      lines.push(`${this.name}_bucket${labelText({ ...labels, le: '+Inf' })} ${count}`);
      lines.push(`${this.name}_sum${labelText(labels)} ${sum}`);
      lines.push(`${this.name}_count${labelText(labels)} ${count}`);
    }
    return lines.join('\n');
  }
}

// Seconds: a cached plan over PGlite answers in milliseconds, a cold join of four subgraphs in
// a second or two; the subgraph timeout (10 s by default) is the top.
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export const metrics = {
  requests: new Counter(
    'kx_gateway_requests_total',
    'GraphQL requests answered by the gateway, by operation type and HTTP status.',
    ['operation_type', 'status'],
  ),
  requestDuration: new Histogram(
    'kx_gateway_request_duration_seconds',
    'Time from request to response at the gateway, by operation type and HTTP status.',
    ['operation_type', 'status'],
    LATENCY_BUCKETS,
  ),
  inFlight: new Gauge('kx_gateway_requests_in_flight', 'GraphQL requests being served now.'),
  rejected: new Counter(
    'kx_gateway_operations_rejected_total',
    'Operations refused before planning, by the bound they broke.',
    ['limit'],
  ),
  rateLimited: new Counter(
    'kx_gateway_rate_limited_total',
    'Requests answered 429 by the per-party and per-org rate limit, by party.',
    ['party'],
  ),
  rateLimitDegraded: new Gauge(
    'kx_gateway_rate_limit_degraded',
    '1 while the shared rate-limit store (REDIS_URL) is unreachable and this replica limits alone on its share, else 0.',
  ),
  rateLimitOutages: new Counter(
    'kx_gateway_rate_limit_store_outages_total',
    'Times this replica lost the shared rate-limit store and fell back to its local share.',
  ),
  rateLimitLocalDecisions: new Counter(
    'kx_gateway_rate_limit_local_decisions_total',
    'Requests whose rate limit was decided by the local share because the shared store was unreachable.',
  ),
  authorizationDenials: new Counter(
    'kx_gateway_authorization_denials_total',
    'Fields withheld by the exchange layer, by the rule that withheld them.',
    ['rule'],
  ),
  authenticationFailures: new Counter(
    'kx_gateway_authentication_failures_total',
    'Requests answered 401 because the token was missing or failed a check.',
  ),
  disclosures: new Counter(
    'kx_disclosure_log_entries_total',
    'Entries appended to the disclosure log (one per enterprise disclosed to a bank per request).',
  ),
  subgraphFetchDuration: new Histogram(
    'kx_subgraph_fetch_duration_seconds',
    'One attempt of a gateway call to a subgraph, by subgraph and outcome.',
    ['subgraph', 'outcome'],
    LATENCY_BUCKETS,
  ),
  subgraphFetchErrors: new Counter(
    'kx_subgraph_fetch_errors_total',
    'Failed attempts of gateway calls to subgraphs, by subgraph and reason.',
    ['subgraph', 'reason'],
  ),
  subgraphSharedAnswers: new Counter(
    'kx_subgraph_shared_answers_total',
    'Subgraph queries answered from the public answers kept, with no call, by subgraph.',
    ['subgraph'],
  ),
  subgraphFetchRetries: new Counter(
    'kx_subgraph_fetch_retries_total',
    'Subgraph queries sent again after a failed attempt, by subgraph.',
    ['subgraph'],
  ),
  uptime: new Gauge('process_uptime_seconds', 'Seconds since the process started.', () =>
    Math.round(process.uptime()),
  ),
  memory: new Gauge('process_resident_memory_bytes', 'Resident memory of the process.', () =>
    process.memoryUsage.rss(),
  ),
};

/** Counts entries appended to the disclosure log; the log calls it once its INSERT commits. */
export function recordDisclosureEntries(count: number): void {
  if (count > 0) metrics.disclosures.inc({}, count);
}

export function renderMetrics(): string {
  return `${Object.values(metrics)
    .map((instrument: Instrument) => instrument.render())
    .join('\n')}\n`;
}
