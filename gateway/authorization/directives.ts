import {
  Kind,
  parse,
  valueFromASTUntyped,
  type ConstDirectiveNode,
  type DocumentNode,
  type SelectionSetNode,
} from 'graphql';

/**
 * What a field demands of its caller, merged from the field's own directives and those on the
 * type it returns (a type-level @authenticated guards every field returning that type).
 */
export interface Requirement {
  authenticated: boolean;
  /** OR of AND lists; several directives are ANDed, so each list must hold. */
  scopes: string[][][];
  /** OR of AND lists of policy names, likewise ANDed across directives. */
  policies: string[][][];
}

export type RequirementIndex = Map<string, Requirement>;

const NONE: Requirement = { authenticated: false, scopes: [], policies: [] };

function readDirectives(directives: readonly ConstDirectiveNode[] | undefined): Requirement {
  const requirement: Requirement = { authenticated: false, scopes: [], policies: [] };
  for (const directive of directives ?? []) {
    const argument = directive.arguments?.[0];
    switch (directive.name.value) {
      case 'authenticated':
        requirement.authenticated = true;
        break;
      case 'requiresScopes':
        if (argument) requirement.scopes.push(valueFromASTUntyped(argument.value) as string[][]);
        break;
      case 'policy':
        if (argument) requirement.policies.push(valueFromASTUntyped(argument.value) as string[][]);
        break;
    }
  }
  return requirement;
}

function merge(a: Requirement, b: Requirement): Requirement {
  return {
    authenticated: a.authenticated || b.authenticated,
    scopes: [...a.scopes, ...b.scopes],
    policies: [...a.policies, ...b.policies],
  };
}

function isEmpty(r: Requirement): boolean {
  return !r.authenticated && r.scopes.length === 0 && r.policies.length === 0;
}

function namedType(type: { kind: Kind; type?: unknown; name?: { value: string } }): string {
  let current = type as { kind: Kind; type?: unknown; name?: { value: string } };
  while (current.kind !== Kind.NAMED_TYPE) current = current.type as typeof current;
  return current.name!.value;
}

/**
 * Reads @authenticated, @requiresScopes and @policy from a supergraph into `Type.field` →
 * requirement. Only fields that demand something are present.
 */
export function indexRequirements(supergraph: string | DocumentNode): RequirementIndex {
  const document = typeof supergraph === 'string' ? parse(supergraph) : supergraph;
  const typeLevel = new Map<string, Requirement>();
  for (const definition of document.definitions) {
    if ('name' in definition && definition.name && 'directives' in definition) {
      const requirement = readDirectives(definition.directives as ConstDirectiveNode[]);
      if (!isEmpty(requirement)) typeLevel.set(definition.name.value, requirement);
    }
  }
  const index: RequirementIndex = new Map();
  for (const definition of document.definitions) {
    if (
      definition.kind !== Kind.OBJECT_TYPE_DEFINITION &&
      definition.kind !== Kind.INTERFACE_TYPE_DEFINITION
    ) {
      continue;
    }
    for (const field of definition.fields ?? []) {
      const own = readDirectives(field.directives);
      const requirement = merge(own, typeLevel.get(namedType(field.type)) ?? NONE);
      if (!isEmpty(requirement))
        index.set(`${definition.name.value}.${field.name.value}`, requirement);
    }
  }
  return index;
}

/** The DNF of several directives ANDed: one conjunct per choice of a conjunct from each. */
function conjunction(directives: string[][][]): string[][] {
  return directives.reduce<string[][]>(
    (product, directive) =>
      product.flatMap((left) => directive.map((right) => [...left, ...right])),
    [[]],
  );
}

/** Whether every caller that `a` lets through is let through by `b` too. */
function implies(a: Requirement, b: Requirement): boolean {
  const covers = (mine: string[][][], theirs: string[][][]) =>
    conjunction(mine).every((held) =>
      theirs.every((directive) => directive.some((all) => all.every((n) => held.includes(n)))),
    );
  return (
    (a.authenticated || !b.authenticated) &&
    covers(a.scopes, b.scopes) &&
    covers(a.policies, b.policies)
  );
}

/**
 * Fields computed with `@requires` whose own rules do not carry those of every field they
 * require, as `Type.field needs the rules of Other.field`. The query planner fetches required
 * fields for the subgraph, past the layer's rewrite, so the computed field must be decided as
 * strictly as each of them (composition since Federation 2.9.4 refuses the gap too; a supergraph
 * from elsewhere is checked here). Policies follow the information.
 */
export function requiresGaps(supergraph: string | DocumentNode, index: RequirementIndex): string[] {
  const document = typeof supergraph === 'string' ? parse(supergraph) : supergraph;
  const fieldTypes = new Map<string, Map<string, string>>();
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION) continue;
    fieldTypes.set(
      definition.name.value,
      new Map((definition.fields ?? []).map((f) => [f.name.value, namedType(f.type)])),
    );
  }
  const gaps: string[] = [];
  const visit = (coordinate: string, type: string, set: SelectionSetNode) => {
    for (const selection of set.selections) {
      if (selection.kind !== Kind.FIELD) continue;
      const required = `${type}.${selection.name.value}`;
      const rules = index.get(required);
      if (rules && !implies(index.get(coordinate) ?? NONE, rules)) {
        gaps.push(`${coordinate} needs the rules of ${required}`);
      }
      const child = fieldTypes.get(type)?.get(selection.name.value);
      if (selection.selectionSet && child) visit(coordinate, child, selection.selectionSet);
    }
  };
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION) continue;
    for (const field of definition.fields ?? []) {
      for (const directive of field.directives ?? []) {
        if (directive.name.value !== 'join__field') continue;
        const requires = directive.arguments?.find((a) => a.name.value === 'requires');
        if (requires?.value.kind !== Kind.STRING) continue;
        const operation = parse(`{ ${requires.value.value} }`).definitions[0];
        if (operation.kind !== Kind.OPERATION_DEFINITION) continue;
        const coordinate = `${definition.name.value}.${field.name.value}`;
        visit(coordinate, definition.name.value, operation.selectionSet);
      }
    }
  }
  return gaps;
}
