import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  isUnionType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';

/** One operation made from the schema, with what it covers. */
export interface GeneratedOperation {
  /** The root field and the argument variant, for failure messages. */
  label: string;
  query: string;
  /** `Type.field` coordinates selected anywhere in it. */
  coordinates: Set<string>;
  /** Response paths (list indices left out) selected in it. */
  paths: Set<string>;
}

/** Ids to aim arguments at, by the type they name. */
export type IdPools = Record<string, string[]>;

export interface GenerateOptions {
  /** Object levels below (and including) the root field. */
  depth: number;
  pools: IdPools;
  /** Every value for an argument nobody asked to vary. */
  defaults?: Record<string, string>;
  /**
   * Leave out non-null leaves (but ids): then no missing non-null field nulls its parent, so what
   * one subgraph answers about an entity shows even where its owner answered nothing.
   */
  nullableOnly?: boolean;
}

/** Which type an ID argument names, from its name (and for a bare `id`, its field). */
export function idTarget(argument: string, field: GraphQLField<unknown, unknown>): string {
  const byName: Record<string, string> = {
    enterpriseId: 'Enterprise',
    needId: 'FinancingNeed',
    bankId: 'Bank',
    productId: 'FinancialProduct',
    creditLineId: 'CreditLine',
    loanId: 'Loan',
    consentId: 'Consent',
    eventId: 'SigningEvent',
    planId: 'CultivationPlan',
    quotaId: 'RelendingQuota',
    guaranteeId: 'Guarantee',
    solutionId: 'FinancingSolution',
    noticeId: 'Notice',
    basicAccountBankId: 'Bank',
    largestLenderId: 'Bank',
    pledgeeBankId: 'Bank',
    mainBankId: 'Bank',
    preferredBankId: 'Bank',
  };
  if (byName[argument]) return byName[argument];
  const returned = getNamedType(field.type).name;
  const mutationNames: [RegExp, string][] = [
    [/FinancingNeed|Assignment/, 'FinancingNeed'],
    [/Product/, 'FinancialProduct'],
    [/Consent/, 'Consent'],
    [/CultivationItem/, 'CultivationItem'],
    [/Cultivation/, 'CultivationPlan'],
    [/Notice/, 'Notice'],
    [/RelendingQuota/, 'RelendingQuota'],
    [/SigningEvent/, 'SigningEvent'],
    [/Enterprise|LibraryStatus/, 'Enterprise'],
  ];
  for (const [pattern, type] of mutationNames) if (pattern.test(field.name)) return type;
  return returned;
}

function literal(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `[${value.map(literal).join(', ')}]`;
  if (typeof value === 'object') {
    return `{ ${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${k}: ${literal(v)}`)
      .join(', ')} }`;
  }
  if (typeof value === 'string' && value.startsWith('ENUM:')) return value.slice(5);
  return JSON.stringify(value);
}

/** A plausible value of an input type: every required field filled, optional ones left out. */
export function sampleValue(
  type: GraphQLInputType,
  name: string,
  defaults: Record<string, string>,
  pools: IdPools,
  owner: GraphQLField<unknown, unknown>,
): unknown {
  if (isNonNullType(type)) return sampleValue(type.ofType, name, defaults, pools, owner);
  if (isListType(type)) return [sampleValue(type.ofType, name, defaults, pools, owner)];
  if (isEnumType(type)) return `ENUM:${type.getValues()[0].name}`;
  if (isInputObjectType(type)) {
    const value: Record<string, unknown> = {};
    for (const field of Object.values(type.getFields())) {
      if (isNonNullType(field.type) && field.defaultValue === undefined) {
        value[field.name] = sampleValue(field.type, field.name, defaults, pools, owner);
      }
    }
    return value;
  }
  if (name in defaults) return defaults[name];
  const scalar = (type as GraphQLNamedType).name;
  if (scalar === 'ID') return pools[idTarget(name, owner)]?.[0] ?? 'none';
  if (scalar === 'Int') return 1;
  if (scalar === 'Boolean') return true;
  if (scalar === 'Money') return '1000.00';
  if (scalar === 'Decimal') return '0.04';
  if (scalar === 'Date') return '2026-06-30';
  if (scalar === 'DateTime') return '2026-06-30T00:00:00Z';
  return 'probe';
}

interface Walk {
  coordinates: Set<string>;
  paths: Set<string>;
  fragments: Map<string, string>;
  useFragments: boolean;
}

function selectionOf(
  type: GraphQLNamedType,
  level: number,
  options: GenerateOptions,
  walk: Walk,
  path: string,
  seen: readonly string[],
): string {
  if (isLeafType(type)) return '';
  const lines: string[] = [];
  const objectTypes: GraphQLObjectType[] = isUnionType(type)
    ? [...type.getTypes()]
    : isInterfaceType(type)
      ? []
      : [type as GraphQLObjectType];
  if (isUnionType(type)) {
    lines.push('__typename');
    for (const member of objectTypes) {
      lines.push(
        `... on ${member.name} { ${selectionOf(member, level, options, walk, path, seen)} }`,
      );
    }
    return lines.join(' ');
  }
  const parent = type as GraphQLObjectType;
  let aliased = false;
  for (const field of Object.values(parent.getFields())) {
    const nonNullLeaf = isNonNullType(field.type) && isLeafType(getNamedType(field.type));
    if (options.nullableOnly && nonNullLeaf && field.name !== 'id') continue;
    if (field.args.some((a) => isNonNullType(a.type) && a.defaultValue === undefined)) {
      const args = field.args
        .filter((a) => isNonNullType(a.type))
        .map(
          (a) =>
            `${a.name}: ${literal(sampleValue(a.type, a.name, options.defaults ?? {}, options.pools, field))}`,
        );
      lines.push(fieldText(field, `(${args.join(', ')})`));
    } else {
      lines.push(fieldText(field, ''));
    }
    // A second copy of the first leaf under an alias: aliases must be decided like the field.
    if (!aliased && isLeafType(getNamedType(field.type))) {
      lines.push(`alias_${field.name}: ${field.name}`);
      aliased = true;
    }
  }
  return lines.filter(Boolean).join(' ') || '__typename';

  function fieldText(field: GraphQLField<unknown, unknown>, args: string): string {
    const named = getNamedType(field.type);
    const fieldPath = `${path}.${field.name}`;
    if (isLeafType(named)) {
      walk.coordinates.add(`${parent.name}.${field.name}`);
      walk.paths.add(fieldPath);
      return `${field.name}${args}`;
    }
    // Each object level counts; a type already on the path is not entered again (its fields are
    // covered where it was first met).
    if (level >= options.depth || seen.includes(named.name)) return '';
    const inner = selectionOf(named, level + 1, options, walk, fieldPath, [...seen, named.name]);
    if (!inner) return '';
    walk.coordinates.add(`${parent.name}.${field.name}`);
    walk.paths.add(fieldPath);
    if (walk.useFragments && isObjectType(named)) {
      // Alternate named fragments (spread) and inline fragments, so both are decided like fields.
      if (level % 2 === 1) {
        const name = `F${walk.fragments.size}_${named.name}`;
        walk.fragments.set(name, `fragment ${name} on ${named.name} { ${inner} }`);
        return `${field.name}${args} { ...${name} }`;
      }
      return `${field.name}${args} { ... on ${named.name} { ${inner} } }`;
    }
    return `${field.name}${args} { ${inner} }`;
  }
}

/** Argument variants of a root field: each ID argument over its pool, filters over their ids. */
function argumentVariants(
  field: GraphQLField<unknown, unknown>,
  options: GenerateOptions,
): Record<string, unknown>[] {
  const defaults = options.defaults ?? {};
  const base: Record<string, unknown> = {};
  for (const argument of field.args) {
    if (isNonNullType(argument.type) && argument.defaultValue === undefined) {
      base[argument.name] = sampleValue(
        argument.type,
        argument.name,
        defaults,
        options.pools,
        field,
      );
    }
  }
  const variants: Record<string, unknown>[] = [base];
  for (const argument of field.args) variants.push(...vary(argument));
  return variants;

  function vary(argument: GraphQLArgument): Record<string, unknown>[] {
    const type = getNamedType(argument.type);
    if (isScalarType(type) && type.name === 'ID') {
      const pool = options.pools[idTarget(argument.name, field)] ?? [];
      return pool.map((id) => ({ ...base, [argument.name]: id }));
    }
    if (argument.name === 'uscc') {
      return (options.pools.uscc ?? []).map((uscc) => ({ ...base, uscc }));
    }
    if (isInputObjectType(type)) {
      const out: Record<string, unknown>[] = [];
      for (const inner of Object.values(type.getFields())) {
        const innerType = getNamedType(inner.type);
        if (!isScalarType(innerType) || innerType.name !== 'ID') continue;
        for (const id of options.pools[idTarget(inner.name, field)] ?? []) {
          const filled = sampleValue(argument.type, argument.name, defaults, options.pools, field);
          out.push({ ...base, [argument.name]: { ...(filled as object), [inner.name]: id } });
        }
      }
      return out;
    }
    return [];
  }
}

/**
 * Operations over every root field of `root`: each argument variant, its result selected with
 * every field reachable to `depth` object levels (the first leaf of each object also under an
 * alias); every other operation selects through named and inline fragments instead.
 */
export function generateOperations(
  schema: GraphQLSchema,
  root: 'query' | 'mutation',
  options: GenerateOptions,
  only?: (field: GraphQLField<unknown, unknown>, args: Record<string, unknown>) => boolean,
): GeneratedOperation[] {
  const type = root === 'query' ? schema.getQueryType() : schema.getMutationType();
  if (!type) return [];
  const operations: GeneratedOperation[] = [];
  for (const field of Object.values(type.getFields())) {
    for (const args of argumentVariants(field, options)) {
      if (only && !only(field, args)) continue;
      const walk: Walk = {
        coordinates: new Set([`${type.name}.${field.name}`]),
        paths: new Set([field.name]),
        fragments: new Map(),
        useFragments: operations.length % 2 === 1,
      };
      const named = getNamedType(field.type);
      const inner = selectionOf(named, 1, options, walk, field.name, [named.name]);
      const argText = Object.keys(args).length
        ? `(${Object.entries(args)
            .map(([k, v]) => `${k}: ${literal(v)}`)
            .join(', ')})`
        : '';
      const body = `${root} Probe { result: ${field.name}${argText}${inner ? ` { ${inner} }` : ''} }`;
      operations.push({
        label: `${field.name}${argText}${options.nullableOnly ? ' (nullable fields)' : ''}`,
        query: [body, ...walk.fragments.values()].join('\n'),
        coordinates: walk.coordinates,
        paths: walk.paths,
      });
    }
  }
  return operations;
}
