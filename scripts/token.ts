import { parseArgs } from 'node:util';
import { isParty, PARTIES } from '../subgraphs/kernel/caller.js';
import { loadGatewayConfig } from '../gateway/config.js';
import { decodeJwt } from 'jose';
import { ensureDevIssuer, mintDevToken } from '../gateway/dev-identity.js';
import { loadScopeCeiling, scopesBeyond } from '../gateway/scope-ceiling.js';

// `npm run token -- --party bank --org icbc`: a dev token for the embedded default's issuer, on
// stdout; what it grants on stderr. It never mints scopes beyond the party's ceiling (the
// gateway would drop or refuse them).
const usage = `usage: npm run token -- --party <${PARTIES.join('|')}> [--org <bank or enterprise id>] [--scope "a b"] [--ttl seconds]`;
let values;
try {
  ({ values } = parseArgs({
    options: {
      party: { type: 'string' },
      org: { type: 'string' },
      scope: { type: 'string' },
      ttl: { type: 'string' },
      sub: { type: 'string' },
    },
  }));
} catch (error) {
  console.error(`${(error as Error).message}\n${usage}`);
  process.exit(2);
}
const { party, org, scope, ttl, sub } = values;
if (!isParty(party)) {
  console.error(usage);
  process.exit(2);
}
if ((party === 'bank' || party === 'enterprise') && !org) {
  console.error(`--org is required for ${party} (e.g. --org icbc, --org ent-000001)\n${usage}`);
  process.exit(2);
}
const ttlSeconds = ttl ? Number(ttl) : undefined;
if (ttlSeconds !== undefined && !(Number.isInteger(ttlSeconds) && ttlSeconds > 0)) {
  console.error('--ttl must be a positive number of seconds');
  process.exit(2);
}
let config;
let ceiling;
try {
  config = loadGatewayConfig();
  ceiling = loadScopeCeiling(config.auth.scopeCeilingFile);
} catch (error) {
  console.error((error as Error).message);
  process.exit(2);
}
if (config.auth.jwksUrl) {
  console.error('JWKS_URL is set: tokens come from your identity provider, not from this script');
  process.exit(2);
}
const scopes = scope ? scope.split(' ').filter(Boolean) : [...ceiling[party]];
const beyond = scopesBeyond(ceiling, party, scopes);
if (beyond.length > 0) {
  console.error(
    `refused: a ${party} token may not carry ${beyond.join(' ')} (beyond the ${party} scope ceiling${
      config.auth.scopeCeilingFile ? ` of ${config.auth.scopeCeilingFile}` : ''
    }); it may carry: ${[...ceiling[party]].join(' ')}`,
  );
  process.exit(2);
}
const key = await ensureDevIssuer(config);
const token = await mintDevToken(key, config.auth, { party, org, sub, scopes, ttlSeconds });
const claims = decodeJwt(token);
console.log(token);
// The gateway refuses an org it cannot find in the banks or tech subgraph (401 AUTH_ERROR);
// this script does not look it up.
console.error(
  [
    `party:   ${party}`,
    `org:     ${org ?? '(none)'}`,
    `sub:     ${claims.sub}`,
    `scopes:  ${scopes.join(' ') || '(none)'}`,
    `expires: ${new Date(claims.exp! * 1000).toISOString()} (in ${claims.exp! - claims.iat!} s)`,
  ].join('\n'),
);
