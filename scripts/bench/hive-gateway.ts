import fs from 'node:fs';
import http from 'node:http';
import { createPublicKey, randomUUID } from 'node:crypto';
import {
  createGatewayRuntime,
  createInlineSigningKeyProvider,
  useJWT,
  type GatewayPlugin,
} from '@graphql-hive/gateway';
import type { JSONWebKeySet } from 'jose';
import { isParty, type Caller } from '../../subgraphs/kernel/caller.js';
import { SUBGRAPH_NAMES } from '../../subgraphs/kernel/config.js';
import { loadGatewayConfig } from '../../gateway/config.js';
import { signGatewayToken } from '../../subgraphs/kernel/gateway-token.js';
import { loadOrCreateSigningKey } from '../../subgraphs/kernel/keys.js';
import { gatewaySigningKeyFile } from '../../gateway/local-graph.js';
import { stripSecurityPurpose, supergraphSubgraphs } from '../../gateway/supergraph.js';

/**
 * Hive Gateway over the same supergraph and subgraphs. It verifies the client's JWT against the
 * same JWKS file (ES256, issuer, audience) and enforces @authenticated, @requiresScopes and
 * @policy from the supergraph with its generic-auth plugin — from the token alone: a bank is
 * granted the per-object policies (`consent:*`, `main_bank`) wholesale, since Hive cannot decide
 * them per enterprise, and nothing is written to the disclosure log. It signs each subgraph call
 * with the gateway's key, as ours does, so the subgraphs accept it and scope rows the same way.
 *
 * `HIVE_QUERY_PLANNER=rust` plans with Hive Router's query planner (`@graphql-hive/router-runtime`,
 * a native binding) instead of Hive Gateway's JavaScript one; all else stays the same.
 */
const config = loadGatewayConfig();
const signingKey = await loadOrCreateSigningKey(gatewaySigningKeyFile(config), 'gateway');
const jwks = JSON.parse(fs.readFileSync(config.auth.jwksFile, 'utf8')) as JSONWebKeySet;
const pems = jwks.keys.map((jwk) =>
  createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' })
    .export({ type: 'spki', format: 'pem' })
    .toString(),
);

let supergraph = stripSecurityPurpose(fs.readFileSync(config.supergraphPath, 'utf8'));
const given = supergraphSubgraphs(supergraph);
for (const name of SUBGRAPH_NAMES) {
  supergraph = supergraph.replace(`url: "${given[name]}"`, `url: "${config.subgraphUrls[name]}"`);
}

interface Claims {
  sub?: string;
  party?: string;
  org?: string;
  scope?: string;
}

function callerOf(claims: Claims | undefined): Caller {
  const party = isParty(claims?.party) ? claims.party : 'anonymous';
  return {
    sub: String(claims?.sub ?? 'anonymous'),
    party,
    org: typeof claims?.org === 'string' ? claims.org : null,
    scopes: new Set(claims?.scope ? claims.scope.split(' ') : []),
    requestId: randomUUID(),
  };
}

/** What the token alone can say of the exchange's policies. */
function policiesOf(claims: Claims): string[] {
  const scopes = claims.scope?.split(' ') ?? [];
  const policies = scopes.includes('rows:all') ? ['unrestricted'] : [];
  if (claims.party === 'enterprise') policies.push('self');
  if (claims.party === 'bank') {
    policies.push(
      'consent:CONTACT',
      'consent:FINANCIALS',
      'consent:PATENT_VALUATION',
      'consent:CREDIT_HISTORY',
      'main_bank',
    );
  }
  return policies;
}

type Context = { jwt?: { payload?: Claims } };

const rustPlanner = process.env.HIVE_QUERY_PLANNER === 'rust';

/** Hive Router's planner, loaded only when asked for: the JavaScript target never loads it. */
async function plannerOptions() {
  if (!rustPlanner) return {};
  const { unifiedGraphHandler } = await import('@graphql-hive/router-runtime');
  return { unifiedGraphHandler };
}

const runtime = createGatewayRuntime<Context>({
  supergraph,
  ...(await plannerOptions()),
  logging: 'error',
  graphqlEndpoint: '/graphql',
  landingPage: false,
  plugins: () => [
    useJWT({
      signingKeyProviders: pems.map((pem) => createInlineSigningKeyProvider(pem)) as [
        ReturnType<typeof createInlineSigningKeyProvider>,
      ],
      tokenVerification: {
        issuer: config.auth.issuer,
        audience: config.auth.audience,
        algorithms: ['ES256'],
        clockTolerance: config.auth.clockToleranceSeconds,
      },
      reject: { missingToken: true, invalidToken: true },
    }) as GatewayPlugin<Context>,
  ],
  genericAuth: {
    mode: 'protect-granular',
    resolveUserFn: (context: Context) => context.jwt?.payload ?? null,
    extractScopes: (user: Claims) => user.scope?.split(' ') ?? [],
    extractPolicies: (user: Claims) => policiesOf(user),
    rejectUnauthenticated: true,
  },
  propagateHeaders: {
    fromClientToSubgraphs: async ({ context, subgraphName }) => ({
      authorization: `Bearer ${await signGatewayToken(
        signingKey,
        callerOf(context.jwt?.payload),
        subgraphName.toLowerCase(),
        config.gatewayToken.ttlSeconds,
      )}`,
    }),
  },
});

const server = http.createServer((req, res) => {
  if (req.url === '/health') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    return;
  }
  // Everything goes to the GraphQL endpoint, as with the other gateways' `/`.
  req.url = '/graphql';
  void runtime(req, res);
});
server.keepAliveTimeout = 65_000;
server.listen(config.gatewayPort, config.host, () =>
  console.log(
    `hive gateway (${rustPlanner ? 'Rust' : 'JavaScript'} planner) on ` +
      `http://${config.host}:${config.gatewayPort}/`,
  ),
);
process.on('SIGTERM', () => process.exit(0));
