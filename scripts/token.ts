import { parseArgs } from 'node:util';
import { isParty, PARTIES } from '../subgraphs/shared/caller.js';
import { loadConfig } from '../subgraphs/shared/config.js';
import { ensureDevIssuer, mintDevToken, STANDARD_SCOPES } from '../gateway/dev-identity.js';

// `npm run token -- --party bank --org icbc`: a dev token for the embedded default's issuer.
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
const config = loadConfig();
if (config.auth.jwksUrl) {
  console.error('JWKS_URL is set: tokens come from your identity provider, not from this script');
  process.exit(2);
}
const key = await ensureDevIssuer(config);
const token = await mintDevToken(key, config.auth, {
  party,
  org,
  sub,
  scopes: scope ? scope.split(' ').filter(Boolean) : STANDARD_SCOPES[party],
  ttlSeconds,
});
console.log(token);
