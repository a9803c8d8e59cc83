import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { Kind, parse, type ConstValueNode } from 'graphql';
import type { GatewayConfig } from './config.js';
import type { Logger } from '../subgraphs/kernel/logger.js';

/** How long the Sandbox page's preset token lives: long enough to explore, short if it leaks. */
export const SANDBOX_TOKEN_TTL_SECONDS = 15 * 60;

/**
 * The preset party. The finance office sees the most of the graph (every read scope but the
 * PBOC's and banks' own), so a first query shows what the exchange holds; its preset keeps only
 * scopes that open no mutation, so a page anyone on this machine opens can change nothing.
 */
export const SANDBOX_PARTY = 'finance_office' as const;

/** Actions whose scopes open mutations (`need:write`, `need:claim`, `event:register` …). */
const MUTATING_ACTIONS = ['write', 'claim', 'submit', 'register'];

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost', '[::1]']);

export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host.toLowerCase()) || /^127(\.\d{1,3}){3}$/.test(host);
}

export type SandboxPreset = { offer: true } | { offer: false; warning?: string };

/**
 * Whether the Sandbox page may carry a preset token: only on a loopback address (nobody else can
 * load the page) and with the generated dev issuer (no JWKS_URL: tokens of a real identity
 * provider are never minted here). Bound anywhere else, the page comes without one and the
 * decision says why, to be logged at start.
 */
export function sandboxPreset(
  config: Pick<GatewayConfig, 'host' | 'sandbox'> & {
    auth: Pick<GatewayConfig['auth'], 'jwksUrl'>;
  },
  devIssuer: boolean,
): SandboxPreset {
  if (!config.sandbox || !devIssuer || config.auth.jwksUrl) return { offer: false };
  if (isLoopback(config.host)) return { offer: true };
  return {
    offer: false,
    warning: `the Sandbox page offers no preset token: the gateway listens on ${config.host}, not on loopback (HOST=127.0.0.1, ::1 or localhost); mint one with npm run token`,
  };
}

/** The decision made at start, its warning (if any) logged: whether the page gets a token. */
export function announceSandboxPreset(
  config: Parameters<typeof sandboxPreset>[0],
  devIssuer: boolean,
  logger: Pick<Logger, 'warn'>,
): boolean {
  const decision = sandboxPreset(config, devIssuer);
  if (!decision.offer && decision.warning) logger.warn({ host: config.host }, decision.warning);
  return decision.offer;
}

function stringsOf(value: ConstValueNode | undefined): string[] {
  if (!value) return [];
  if (value.kind === Kind.STRING) return [value.value];
  if (value.kind === Kind.LIST) return value.values.flatMap(stringsOf);
  return [];
}

/** Every scope any Mutation field of the supergraph asks for in its @requiresScopes. */
export function mutationScopes(supergraphSdl: string): Set<string> {
  const found = new Set<string>();
  for (const definition of parse(supergraphSdl).definitions) {
    if (
      (definition.kind !== Kind.OBJECT_TYPE_DEFINITION &&
        definition.kind !== Kind.OBJECT_TYPE_EXTENSION) ||
      definition.name.value !== 'Mutation'
    ) {
      continue;
    }
    for (const field of definition.fields ?? []) {
      for (const directive of field.directives ?? []) {
        if (directive.name.value !== 'requiresScopes') continue;
        for (const argument of directive.arguments ?? []) {
          for (const scope of stringsOf(argument.value as ConstValueNode)) found.add(scope);
        }
      }
    }
  }
  return found;
}

/**
 * The scopes of a party's ceiling that open no mutation: those of a mutating action dropped, and
 * any scope a Mutation field of the supergraph asks for (so an `:own` scope that also writes is
 * dropped too).
 */
export function readOnlyScopes(ceiling: Iterable<string>, mutating: ReadonlySet<string>): string[] {
  return [...ceiling].filter(
    (scope) =>
      !MUTATING_ACTIONS.includes(scope.slice(scope.indexOf(':') + 1)) && !mutating.has(scope),
  );
}

/** Stands in the rendered page for the token of each load; only URL-safe characters. */
const PLACEHOLDER = 'kx-sandbox-preset-token-placeholder';

/**
 * Apollo's local Sandbox page, whose shared headers hold a token minted for each load (Apollo's
 * plugin renders its configuration once; the page is rendered per request, so the token is put in
 * per request). Without `mint`, the page carries no headers.
 */
export function sandboxLandingPage(mint?: () => Promise<string>): ApolloServerPlugin<BaseContext> {
  const base = ApolloServerPluginLandingPageLocalDefault({
    embed: {
      initialState: {
        sharedHeaders: mint ? { Authorization: `Bearer ${PLACEHOLDER}` } : {},
      },
    },
    footer: false,
  });
  return {
    async serverWillStart(service) {
      const listener = await base.serverWillStart!(service);
      if (!listener?.renderLandingPage) return listener;
      return {
        ...listener,
        async renderLandingPage() {
          const page = await listener.renderLandingPage!();
          const render = async () =>
            typeof page.html === 'string' ? page.html : await page.html();
          return {
            ...page,
            html: async () => {
              const html = await render();
              return mint ? html.split(PLACEHOLDER).join(await mint()) : html;
            },
          };
        },
      };
    },
  };
}
