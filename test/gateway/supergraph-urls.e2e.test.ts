import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGatewayConfig } from '../../gateway/config.js';
import { loadOrCreateSigningKey } from '../../subgraphs/kernel/keys.js';
import { gatewaySigningKeyFile } from '../../gateway/local-graph.js';
import { createExchangeLayer } from '../../gateway/layer.js';
import { startGateway, type RunningGateway } from '../../gateway/server.js';
import { supergraphPath } from '../../gateway/supergraph.js';
import { startTestGraph, type TestGraph } from '../helpers/graph.js';

// A gateway told no subgraph URL calls each subgraph where the supergraph says.
describe('a gateway routing by the URLs of its supergraph', () => {
  let graph: TestGraph;
  let gateway: RunningGateway;
  let dir: string;

  beforeAll(async () => {
    graph = await startTestGraph('pglite', { seedScale: 0.01 });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kx-supergraph-'));
    const running = graph.graph.subgraphs;
    // Each subgraph at the (free) port it runs on, written in the supergraph only.
    const sdl = fs
      .readFileSync(supergraphPath, 'utf8')
      .replace(
        /@join__graph\(name: "(\w+)", url: "[^"]*"\)/g,
        (_, name: keyof typeof running) =>
          `@join__graph(name: "${name}", url: "${running[name].url}")`,
      );
    const file = path.join(dir, 'supergraph.graphql');
    fs.writeFileSync(file, sdl);
    const config = loadGatewayConfig({
      DATA_DIR: graph.config.dataDir,
      LOG_LEVEL: 'silent',
      SUPERGRAPH_PATH: file,
    });
    const signingKey = await loadOrCreateSigningKey(gatewaySigningKeyFile(config), 'gateway');
    gateway = await startGateway({
      config,
      signingKey,
      layer: createExchangeLayer(
        config,
        graph.graph.databases.exchange,
        signingKey,
        running.finance.url,
      ),
      port: 0,
    });
  }, 300_000);
  afterAll(async () => {
    await gateway?.stop();
    await graph?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('serves a plan across the subgraphs, and is ready with each of them up', async () => {
    const token = await graph.token('finance_office');
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        query: '{ enterprises(first: 2) { nodes { id name creditLines { id } } } }',
      }),
    });
    const body = (await response.json()) as any;
    expect(body.errors ?? []).toEqual([]);
    expect(body.data.enterprises.nodes).toHaveLength(2);
    const ready = await fetch(`${gateway.url}ready`);
    expect(await ready.json()).toEqual({
      status: 'ready',
      supergraph: true,
      subgraphs: { banks: 'up', exchange: 'up', finance: 'up', tech: 'up' },
    });
  });
});
