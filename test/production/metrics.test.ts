import { describe, expect, it } from 'vitest';
import {
  Counter,
  Histogram,
  metrics,
  recordDisclosureEntries,
  renderMetrics,
} from '../../gateway/metrics.js';

describe('metrics', () => {
  it('renders counters with escaped labels in the Prometheus text format', () => {
    const counter = new Counter('kx_test_total', 'A test counter.', ['rule']);
    counter.inc({ rule: 'policy' });
    counter.inc({ rule: 'policy' }, 2);
    counter.inc({ rule: 'a "quoted"\nvalue' });
    expect(counter.render()).toBe(
      [
        '# HELP kx_test_total A test counter.',
        '# TYPE kx_test_total counter',
        'kx_test_total{rule="policy"} 3',
        'kx_test_total{rule="a \\"quoted\\"\\nvalue"} 1',
      ].join('\n'),
    );
  });

  it('renders cumulative histogram buckets with sum and count', () => {
    const histogram = new Histogram('kx_test_seconds', 'A test histogram.', ['subgraph'], [0.1, 1]);
    histogram.observe({ subgraph: 'banks' }, 0.05);
    histogram.observe({ subgraph: 'banks' }, 0.5);
    histogram.observe({ subgraph: 'banks' }, 5);
    expect(histogram.render().split('\n').slice(2)).toEqual([
      'kx_test_seconds_bucket{subgraph="banks",le="0.1"} 1',
      'kx_test_seconds_bucket{subgraph="banks",le="1"} 2',
      'kx_test_seconds_bucket{subgraph="banks",le="+Inf"} 3',
      'kx_test_seconds_sum{subgraph="banks"} 5.55',
      'kx_test_seconds_count{subgraph="banks"} 3',
    ]);
  });

  it('reads 0 from a counter without labels before its first event', () => {
    expect(new Counter('kx_idle_total', 'Never counted.').render()).toContain('\nkx_idle_total 0');
  });

  it('counts disclosure-log entries through the function the log calls', () => {
    const before = metrics.disclosures.get();
    recordDisclosureEntries(3);
    recordDisclosureEntries(0);
    expect(metrics.disclosures.get()).toBe(before + 3);
    expect(renderMetrics()).toContain(`kx_disclosure_log_entries_total ${before + 3}`);
  });

  it('lists every instrument, each with its HELP and TYPE', () => {
    const text = renderMetrics();
    for (const name of [
      'kx_gateway_requests_total',
      'kx_gateway_request_duration_seconds',
      'kx_subgraph_fetch_duration_seconds',
      'kx_subgraph_fetch_errors_total',
      'kx_subgraph_shared_answers_total',
      'kx_gateway_authorization_denials_total',
      'kx_disclosure_log_entries_total',
      'kx_gateway_rate_limit_degraded',
      'kx_gateway_rate_limit_store_outages_total',
      'kx_gateway_rate_limit_local_decisions_total',
      'process_resident_memory_bytes',
    ]) {
      expect(text).toContain(`# TYPE ${name} `);
    }
    expect(text.endsWith('\n')).toBe(true);
  });
});
