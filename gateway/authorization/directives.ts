import {
  Kind,
  parse,
  valueFromASTUntyped,
  type ConstDirectiveNode,
  type DocumentNode,
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
