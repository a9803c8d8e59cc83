import {
  getDirectiveValues,
  getVariableValues,
  GraphQLError,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  type GraphQLSchema,
} from 'graphql';
import type {
  GatewayExecutionResult,
  GatewayExecutor,
  GatewayGraphQLRequestContext,
} from '@apollo/server-gateway-interface';
import type { AuthorizationMode } from '../config.js';
import type { Caller } from '../../subgraphs/kernel/caller.js';
import type { GatewayContext } from '../context.js';
import { StaleConsentError, type Disclosure, type DisclosureLog } from '../disclosure-log.js';
import type { OperationLayer } from '../exchange-gateway.js';
import { absentKeys } from './absent.js';
import {
  analyzeOperation,
  SUBJECT_ALIAS,
  TYPENAME_ALIAS,
  type AnalyzedOperation,
  type Denial,
  type ObjectCheck,
} from './analyze.js';
import type { RequirementIndex } from './directives.js';
import type { FactsSource } from './facts.js';
import {
  decidePerObject,
  describePolicy,
  factsNeeded,
  settledWithoutMainBank,
  type Basis,
  type SubjectFacts,
} from './policies.js';
import { forEachObject, stripAdded, withoutAddedErrors } from './shape.js';

type Json = Record<string, unknown>;

export interface AuthorizationLayerOptions {
  index: RequirementIndex;
  mode: AuthorizationMode;
  facts: FactsSource;
  disclosures: DisclosureLog;
  /** Analyses kept per (operation, party, scopes); a few thousand distinct shapes cover real apps. */
  cacheSize?: number;
}

interface Pending {
  check: ObjectCheck;
  object: Json;
  at: (string | number)[];
  subject: string | null;
}

function withheld(at: (string | number)[], coordinate: string, rule: string, needs: string[]) {
  return new GraphQLError(
    `Unauthorized field or type: ${coordinate} is withheld; it needs ${needs.join(', or ')}`,
    {
      path: at,
      extensions: { code: 'UNAUTHORIZED_FIELD_OR_TYPE', rule, needs },
    },
  );
}

/**
 * Whether the client asked for a denied field, for the request's variables: neither it nor a
 * field or fragment above it is left out by @skip or @include.
 */
function asked(denial: Denial, variables: Record<string, unknown>): boolean {
  return denial.conditions.every((directives) => {
    const node = { directives };
    return (
      getDirectiveValues(GraphQLSkipDirective, node, variables)?.if !== true &&
      getDirectiveValues(GraphQLIncludeDirective, node, variables)?.if !== false
    );
  });
}

/** The request's variables with their defaults, as the operation's directives read them. */
function variableValues(rc: GatewayGraphQLRequestContext<GatewayContext>): Record<string, unknown> {
  const coerced = getVariableValues(
    rc.schema,
    rc.operation?.variableDefinitions ?? [],
    rc.request.variables ?? {},
  );
  return coerced.coerced ?? rc.request.variables ?? {};
}

function needsOf(check: ObjectCheck): string[] {
  return check.alternatives.flatMap((directive) =>
    directive.map((all) => all.map(describePolicy).join(' and ')),
  );
}

/**
 * Enforces @authenticated, @requiresScopes and @policy around `@apollo/gateway`: before planning
 * by rewriting the operation, after execution by deciding per object, and records every
 * disclosure of sensitive data before the response leaves (withholding what could not be recorded).
 */
export class AuthorizationLayer implements OperationLayer {
  private readonly cache = new Map<string, AnalyzedOperation>();
  private readonly cacheSize: number;

  constructor(private readonly options: AuthorizationLayerOptions) {
    this.cacheSize = options.cacheSize ?? 2_000;
  }

  private analyze(
    schema: GraphQLSchema,
    rc: GatewayGraphQLRequestContext<GatewayContext>,
    caller: Caller,
  ) {
    const key = `${rc.queryHash}\u0000${rc.operationName ?? ''}\u0000${caller.party}\u0000${[...caller.scopes].sort().join(' ')}`;
    let analyzed = this.cache.get(key);
    if (analyzed) {
      // Refresh recency: Map iteration order is insertion order, so this is an LRU.
      this.cache.delete(key);
    } else {
      analyzed = analyzeOperation(
        schema,
        this.options.index,
        rc.document,
        rc.operationName,
        caller,
        this.options.mode === 'dry-run',
      );
      if (this.cache.size >= this.cacheSize) this.cache.delete(this.cache.keys().next().value!);
    }
    this.cache.set(key, analyzed);
    return analyzed;
  }

  async execute(
    rc: GatewayGraphQLRequestContext<GatewayContext>,
    next: GatewayExecutor,
  ): Promise<GatewayExecutionResult> {
    const caller = rc.context.caller;
    const analyzed = this.analyze(rc.schema, rc, caller);
    const { mode } = this.options;
    const errors: GraphQLError[] = [];

    if (mode === 'reject' && analyzed.denials.length > 0) {
      const variables = variableValues(rc);
      const refused = analyzed.denials.filter((d) => asked(d, variables));
      if (refused.length > 0) {
        return {
          errors: refused.map((d) => withheld([...d.path, d.key], d.coordinate, d.rule, d.needs)),
        };
      }
    }
    const enforced = analyzed.rewritten;
    const sent = await next(
      enforced
        ? ({ ...rc, document: analyzed.document, queryHash: analyzed.queryHash } as typeof rc)
        : rc,
    );
    // What the layer added answers nothing of its own: no error, no completion note about it.
    const result = enforced ? withoutAddedErrors(sent) : sent;
    const data = (result.data ?? null) as Json | null;
    if (!data) return result;

    for (const denial of analyzed.denials) {
      forEachObject(data, denial.path, (object, at) => {
        if (denial.onType && object[TYPENAME_ALIAS] !== denial.onType) return;
        // @skip or @include left it out: not asked, so not withheld.
        if (!(denial.asked in object)) return;
        if (mode !== 'dry-run') object[denial.key] = null;
        errors.push(withheld([...at, denial.key], denial.coordinate, denial.rule, denial.needs));
      });
    }

    const pending: Pending[] = [];
    for (const check of analyzed.checks) {
      forEachObject(data, check.path, (object, at) => {
        if (check.onType && object[TYPENAME_ALIAS] !== check.onType) return;
        // Every field asked for has its key in the result, null or not; one @skip or @include
        // left out has none, and was not asked.
        if (!(check.key in object)) return;
        // Decided whatever the value, null included: a withheld field must answer the same
        // whether or not there is anything behind it, or the errors would mark the values.
        const subject = object[SUBJECT_ALIAS];
        // The subgraph owning the subject has no such object, and this field was asked of it:
        // it is null with nothing behind it, as stock federation answers (see absent.ts).
        const absent = absentKeys(subject);
        if (absent?.has(check.key)) return;
        pending.push({
          check,
          object,
          at,
          subject: typeof subject === 'string' && !absent ? subject : null,
        });
      });
    }

    if (pending.length > 0) errors.push(...(await this.settle(rc, caller, pending)));

    if (mode === 'reject' && errors.length > 0) return { errors };
    // Only a rewritten operation carries the layer's aliases; walking every object of a large
    // untouched result (a feed page) to delete nothing cost ~2 ms per request.
    if (analyzed.rewritten) stripAdded(data);
    if (mode === 'dry-run') {
      return {
        ...result,
        extensions: {
          ...result.extensions,
          authorization: {
            dryRun: true,
            wouldWithhold: errors.map((e) => ({ path: e.path, message: e.message })),
          },
        },
      };
    }
    const allErrors = [...(result.errors ?? []), ...errors];
    // The spec's response has no `errors` key at all when there are none.
    return allErrors.length ? { ...result, data, errors: allErrors } : { ...result, data };
  }

  /**
   * Decides every pending object, records the disclosures, and nulls what is withheld. Consents
   * remembered from an earlier request may grant (never withhold: a consent given since then
   * would be missed), and the log write confirms each consent it cites is still active; if one
   * is not, the decision is made again from a fresh lookup.
   */
  private async settle(
    rc: GatewayGraphQLRequestContext<GatewayContext>,
    caller: Caller,
    pending: Pending[],
  ): Promise<GraphQLError[]> {
    const { mode, facts: source } = this.options;
    const subjects = [
      ...new Set(pending.map((p) => p.subject).filter((s): s is string => s !== null)),
    ];
    let remembered = mode === 'dry-run' ? undefined : source.remembered?.(caller, subjects);
    for (let attempt = 0; ; attempt++) {
      const known = remembered;
      const facts =
        known &&
        pending.every((p) =>
          settledWithoutMainBank(
            p.check.alternatives,
            caller,
            p.subject,
            known.get(p.subject ?? ''),
          ),
        )
          ? known
          : await this.lookupFacts(caller, pending, subjects);
      const errors: GraphQLError[] = [];
      const granted: { item: Pending; bases: Basis[] }[] = [];
      for (const item of pending) {
        const bases = facts
          ? decidePerObject(
              item.check.alternatives,
              caller,
              item.subject,
              facts.get(item.subject ?? ''),
            )
          : null;
        if (bases) {
          granted.push({ item, bases });
          continue;
        }
        if (mode !== 'dry-run') item.object[item.check.key] = null;
        const needs = facts
          ? needsOf(item.check)
          : ['facts that could not be looked up just now; retry'];
        errors.push(withheld([...item.at, item.check.key], item.check.coordinate, 'policy', needs));
      }
      const recorded = await this.recordDisclosures(rc, caller, granted);
      if (recorded === 'stale' && attempt === 0) {
        source.forget?.(caller, subjects);
        remembered = undefined;
        continue;
      }
      if (recorded !== 'recorded') {
        const reason =
          recorded === 'stale'
            ? 'a consent it rests on changed while the disclosure was being recorded; retry'
            : 'the disclosure could not be recorded in the disclosure log';
        for (const { item } of granted) {
          item.object[item.check.key] = null;
          errors.push(
            new GraphQLError(`${item.check.coordinate} is withheld: ${reason}`, {
              path: [...item.at, item.check.key],
              extensions: { code: 'UNAUTHORIZED_FIELD_OR_TYPE', rule: 'disclosure_log' },
            }),
          );
        }
      }
      return errors;
    }
  }

  private async lookupFacts(
    caller: Caller,
    pending: Pending[],
    subjects: string[],
  ): Promise<Map<string, SubjectFacts> | null> {
    const needed = factsNeeded(pending.flatMap((p) => p.check.alternatives));
    try {
      if (!(needed.consents && needed.mainBank)) {
        return await this.options.facts.lookup(caller, subjects, needed);
      }
      // Consents first: the main-bank link costs a call to the finance subgraph, and is asked
      // only for the enterprises whose checks the consents leave open (none, for a bank reading
      // a dossier it holds consent for).
      const facts = await this.options.facts.lookup(caller, subjects, {
        consents: true,
        mainBank: false,
      });
      const open = new Set<string>();
      for (const p of pending) {
        if (p.subject === null) continue;
        const known = facts.get(p.subject);
        if (!settledWithoutMainBank(p.check.alternatives, caller, p.subject, known)) {
          open.add(p.subject);
        }
      }
      if (open.size > 0) {
        const links = await this.options.facts.lookup(caller, [...open], {
          consents: false,
          mainBank: true,
        });
        for (const [id, link] of links) {
          const entry = facts.get(id);
          if (entry && link.mainBankNeedId) entry.mainBankNeedId = link.mainBankNeedId;
        }
      }
      return facts;
    } catch {
      // Fail closed: without facts, nothing decided per object is shown.
      return null;
    }
  }

  /**
   * Disclosures to anyone but the enterprise itself are written before the response leaves, each grant on consent confirmed
   * by the write itself; what could not be recorded is withheld instead.
   */
  private async recordDisclosures(
    rc: GatewayGraphQLRequestContext<GatewayContext>,
    caller: Caller,
    granted: { item: Pending; bases: Basis[] }[],
  ): Promise<'recorded' | 'stale' | 'failed'> {
    if (this.options.mode === 'dry-run') return 'recorded';
    const byEnterprise = new Map<string, Disclosure>();
    for (const { item, bases } of granted) {
      // The enterprise reading its own data discloses nothing; a null discloses nothing either.
      if (item.check.dataSets.length === 0 || bases.every((b) => b.policy === 'self')) continue;
      const value = item.object[item.check.key];
      if (value === null || value === undefined) continue;
      const enterpriseId = item.subject ?? 'unknown';
      const entry = byEnterprise.get(enterpriseId) ?? { enterpriseId, fields: [], bases: [] };
      if (!entry.fields.includes(item.check.coordinate)) entry.fields.push(item.check.coordinate);
      for (const basis of bases) {
        if (!entry.bases.some((b) => JSON.stringify(b) === JSON.stringify(basis)))
          entry.bases.push(basis);
      }
      byEnterprise.set(enterpriseId, entry);
    }
    if (byEnterprise.size === 0) return 'recorded';
    try {
      await this.options.disclosures.record(
        { caller, operationName: rc.operationName, confirmConsents: true },
        [...byEnterprise.values()],
      );
      return 'recorded';
    } catch (error) {
      return error instanceof StaleConsentError ? 'stale' : 'failed';
    }
  }
}
