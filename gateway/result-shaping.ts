import { createRequire } from 'node:module';
import type { GraphQLError } from 'graphql';
import type {
  CompositeType,
  Directive,
  EnumType,
  FieldSelection,
  Operation,
  OutputType,
  ScalarType,
  Schema,
  Selection,
  SelectionSet,
  Variable as VariableValue,
} from '@apollo/federation-internals';

/**
 * `@apollo/gateway` shapes every answer after its fetches with `computeResponse`
 * (dist/resultShaping.js): a walk of the operation over the merged subgraph data that keeps
 * the fields asked for under their response names, checks each leaf against its type and turns a
 * null in a non-null position into an error that nulls the nearest nullable parent. It looks up
 * everything about a selection (its directives, response name, type, whether it is `__typename`
 * or introspection) again for every object it meets, through the getters of
 * `@apollo/federation-internals`' re-exports, so a page of fifty objects pays fifty times for what
 * the operation already fixes.
 *
 * `computeResponse` below is the same walk, statement for statement, with what a selection fixes
 * worked out once per selection set and request, and what a type fixes once per type. The
 * answers are the same, errors included (`test/gateway/result-shaping.test.ts` compares the
 * two on generated answers). It replaces the library's own in that module's exports, which is
 * where `executeQueryPlan` looks it up on every request.
 */

// The gateway's own copies of its modules: `isSubtype` and the type guards test class identity.
const fromGateway = createRequire(createRequire(import.meta.url).resolve('@apollo/gateway'));
const internals: typeof import('@apollo/federation-internals') = fromGateway(
  '@apollo/federation-internals',
);
const shapingModule: { computeResponse: ComputeResponse } = fromGateway('./resultShaping');

const assert: typeof internals.assert = internals.assert;
const {
  ERRORS,
  Variable,
  isCompositeType,
  isListType,
  isNonNullType,
  isObjectType,
  isSubtype,
  isValidLeafValue,
  typenameFieldName,
} = internals;

export interface ComputeResponseArgs {
  operation: Operation;
  variables?: Record<string, unknown>;
  input: Record<string, unknown> | null | undefined;
  introspectionHandling: (selection: FieldSelection) => unknown;
}

export type ComputeResponse = (args: ComputeResponseArgs) => {
  data: Record<string, unknown> | null | undefined;
  errors: GraphQLError[];
};

/** `@apollo/gateway`'s own `computeResponse`, as the module had it before any replacement. */
export const apolloComputeResponse: ComputeResponse = shapingModule.computeResponse;

/** Makes `@apollo/gateway` shape answers with `computeResponse` below; idempotent. */
export function useOwnResultShaping(): void {
  if (typeof apolloComputeResponse !== 'function') {
    throw new Error('@apollo/gateway has no dist/resultShaping computeResponse to replace');
  }
  shapingModule.computeResponse = computeResponse;
}

// ---- What a type fixes, once per type object of the schema.

const NON_NULL = 0;
const LIST = 1;
const COMPOSITE = 2;
const LEAF = 3;

interface Shape {
  kind: typeof NON_NULL | typeof LIST | typeof COMPOSITE | typeof LEAF;
  type: OutputType;
  /** The wrapped type's shape, for NON_NULL and LIST. */
  of?: Shape;
}

const shapes = new WeakMap<OutputType, Shape>();

function shapeOf(type: OutputType): Shape {
  let shape = shapes.get(type);
  if (!shape) {
    if (isNonNullType(type)) shape = { kind: NON_NULL, type, of: shapeOf(type.ofType) };
    else if (isListType(type)) shape = { kind: LIST, type, of: shapeOf(type.ofType) };
    else if (isCompositeType(type)) shape = { kind: COMPOSITE, type };
    else shape = { kind: LEAF, type };
    shapes.set(type, shape);
  }
  return shape;
}

// ---- What a selection fixes, once per selection set and request (variables decide @skip).

interface FieldStep {
  field: true;
  selection: FieldSelection;
  /** Undefined until first asked, as the library asks it: when the walk reaches the selection. */
  skip?: boolean;
  responseName: string;
  introspection: boolean;
  typename: boolean;
  shape: Shape;
}

interface FragmentStep {
  field: false;
  selection: Selection;
  skip?: boolean;
  typeCondition?: CompositeType;
  /** Whether the type condition applies, by the object's `__typename`. */
  applies: Map<string, boolean>;
}

type Step = FieldStep | FragmentStep;

function stepsOf(selectionSet: SelectionSet): Step[] {
  return selectionSet.selections().map((selection): Step => {
    if (selection.kind === 'FieldSelection') {
      const field = selection.element;
      return {
        field: true,
        selection,
        responseName: field.responseName(),
        introspection: field.definition.isSchemaIntrospectionField(),
        typename: field.name === typenameFieldName,
        shape: shapeOf(field.definition.type!),
      };
    }
    return {
      field: false,
      selection,
      typeCondition: selection.element.typeCondition,
      applies: new Map(),
    };
  });
}

interface Parameters {
  schema: Schema;
  variables: Record<string, unknown>;
  errors: GraphQLError[];
  introspectionHandling: (selection: FieldSelection) => unknown;
  steps: Map<SelectionSet, Step[]>;
  /** What the last `updateOutputValue` reported beside its value: INVALID and HAS_ERRORS. */
  flags: number;
}

const INVALID = 1;
const HAS_ERRORS = 2;

const OK = 0;
const NULL_BUBBLE_UP = 1;

export function computeResponse({
  operation,
  variables,
  input,
  introspectionHandling,
}: ComputeResponseArgs): ReturnType<ComputeResponse> {
  if (!input) {
    return { data: input, errors: [] };
  }
  const parameters: Parameters = {
    schema: operation.schema(),
    variables: {
      __proto__: null,
      ...operation.collectDefaultedVariableValues(),
      ...variables,
    },
    errors: [],
    introspectionHandling,
    steps: new Map(),
    flags: 0,
  };
  const data = Object.create(null) as Record<string, unknown>;
  const res = applySelectionSet(
    input,
    operation.selectionSet,
    data,
    parameters,
    [],
    operation.schema().schemaDefinition.rootType(operation.rootKind)!,
  );
  return {
    data: res === NULL_BUBBLE_UP ? null : data,
    errors: parameters.errors,
  };
}

function shouldSkip(selection: Selection, parameters: Parameters): boolean {
  const element = selection.element;
  const skipDirective = element.appliedDirectivesOf(parameters.schema.skipDirective())[0];
  const includeDirective = element.appliedDirectivesOf(parameters.schema.includeDirective())[0];
  return !!(
    (skipDirective && ifValue(skipDirective, parameters.variables)) ||
    (includeDirective && !ifValue(includeDirective, parameters.variables))
  );
}

function ifValue(
  directive: Directive<Selection['element'], { if: boolean | VariableValue }>,
  variables: Record<string, unknown>,
): boolean {
  const ifArg = directive.arguments().if;
  if (ifArg instanceof Variable) {
    const value = variables[ifArg.name];
    assert(
      value !== undefined && typeof value === 'boolean',
      () => `Unexpected value ${value} for variable ${ifArg} of ${directive}`,
    );
    return value as boolean;
  }
  return ifArg as boolean;
}

function typeConditionApplies(
  schema: Schema,
  typeCondition: CompositeType | undefined,
  typename: string | undefined,
  parentType: CompositeType,
): boolean {
  if (!typeCondition) return true;
  if (typename) {
    const type = schema.type(typename);
    return !!type && isSubtype(typeCondition, type as OutputType);
  }
  return isSubtype(typeCondition, parentType);
}

function getOwn(object: object, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(object, key)
    ? (object as Record<string, unknown>)[key]
    : undefined;
}

function applySelectionSet(
  input: Record<string, unknown>,
  selectionSet: SelectionSet,
  output: Record<string, unknown>,
  parameters: Parameters,
  path: (string | number)[],
  parentType: CompositeType,
): number {
  let steps = parameters.steps.get(selectionSet);
  if (!steps) {
    steps = stepsOf(selectionSet);
    parameters.steps.set(selectionSet, steps);
  }
  for (const step of steps) {
    if ((step.skip ??= shouldSkip(step.selection, parameters))) continue;
    if (step.field) {
      const { responseName } = step;
      const outputValue = output[responseName];
      if (step.introspection) {
        if (outputValue === undefined) {
          output[responseName] = parameters.introspectionHandling(step.selection);
        }
        continue;
      }
      let inputValue = getOwn(input, responseName) ?? null;
      if (step.typename) {
        if (outputValue === undefined) {
          if (inputValue === null && responseName !== typenameFieldName) {
            inputValue = input[typenameFieldName] ?? null;
          }
          const type =
            inputValue !== null && typeof inputValue === 'string'
              ? (parameters.schema.type(inputValue) ?? parentType)
              : parentType;
          if (!isObjectType(type)) {
            return NULL_BUBBLE_UP;
          }
          output[responseName] = type.name;
        }
        continue;
      }
      path.push(responseName);
      const updated = updateOutputValue(
        outputValue,
        step.shape,
        inputValue,
        step.selection.selectionSet,
        path,
        parameters,
        parentType,
      );
      output[responseName] = updated;
      path.pop();
      if (parameters.flags & INVALID) {
        return NULL_BUBBLE_UP;
      }
    } else {
      const typename = input[typenameFieldName];
      assert(
        !typename || typeof typename === 'string',
        () => `Got unexpected value for __typename: ${typename}`,
      );
      let applies: boolean;
      if (typename) {
        const known = step.applies.get(typename as string);
        applies =
          known ??
          typeConditionApplies(
            parameters.schema,
            step.typeCondition,
            typename as string,
            parentType,
          );
        if (known === undefined) step.applies.set(typename as string, applies);
      } else {
        applies = typeConditionApplies(
          parameters.schema,
          step.typeCondition,
          undefined,
          parentType,
        );
      }
      if (applies) {
        const res = applySelectionSet(
          input,
          step.selection.selectionSet!,
          output,
          parameters,
          path,
          step.typeCondition ?? parentType,
        );
        if (res === NULL_BUBBLE_UP) {
          return NULL_BUBBLE_UP;
        }
      }
    }
  }
  return OK;
}

function pathLastElementDescription(
  path: (string | number)[],
  currentType: OutputType,
  parentType: CompositeType,
): string {
  const element = path[path.length - 1];
  assert(element !== undefined, 'Should not have been called on an empty path');
  return typeof element === 'string'
    ? `field ${parentType}.${element}`
    : `array element of type ${currentType} at index ${element}`;
}

/** The library's `updateOutputValue`; its `isInvalid` and `hasErrors` go to `parameters.flags`. */
function updateOutputValue(
  outputValue: unknown,
  shape: Shape,
  inputValue: unknown,
  selectionSet: SelectionSet | undefined,
  path: (string | number)[],
  parameters: Parameters,
  parentType: CompositeType,
): unknown {
  assert(inputValue !== undefined, 'Should not pass undefined for `inputValue` to this method');
  if (outputValue === null || (outputValue !== undefined && !selectionSet)) {
    parameters.flags = 0;
    return outputValue;
  }
  const { type } = shape;
  if (shape.kind === NON_NULL) {
    const of = shape.of!;
    const updated = updateOutputValue(
      outputValue,
      of,
      inputValue,
      selectionSet,
      path,
      parameters,
      parentType,
    );
    if (updated === null) {
      if (!(parameters.flags & HAS_ERRORS)) {
        parameters.errors.push(
          ERRORS.INVALID_GRAPHQL.err(
            `Cannot return null for non-nullable ${pathLastElementDescription(path, of.type, parentType)}.`,
            { path: Array.from(path) },
          ),
        );
      }
      parameters.flags = INVALID | HAS_ERRORS;
      return updated;
    }
    parameters.flags = 0;
    return updated;
  }
  if (inputValue === null) {
    parameters.flags = 0;
    return null;
  }
  if (shape.kind === LIST) {
    assert(
      Array.isArray(inputValue),
      () => `Invalid non-list value ${inputValue} returned by subgraph for list type ${type}`,
    );
    assert(
      outputValue === undefined || Array.isArray(outputValue),
      () => `Invalid non-list value ${outputValue} returned by subgraph for list type ${type}`,
    );
    const inputList = inputValue as unknown[];
    const outputList = outputValue as unknown[] | undefined;
    const length = outputList === undefined ? inputList.length : outputList.length;
    assert(
      inputList.length === length,
      () => `[${inputList}].length (${inputList.length}) !== [${outputList}].length (${length})`,
    );
    const of = shape.of!;
    let shouldNullify = false;
    let hasErrors = false;
    const updated: unknown[] = [];
    for (let index = 0; index < length; index++) {
      path.push(index);
      updated.push(
        updateOutputValue(
          outputList === undefined ? undefined : outputList[index],
          of,
          inputList[index],
          selectionSet,
          path,
          parameters,
          parentType,
        ),
      );
      path.pop();
      shouldNullify ||= (parameters.flags & INVALID) !== 0;
      hasErrors ||= (parameters.flags & HAS_ERRORS) !== 0;
    }
    parameters.flags = hasErrors ? HAS_ERRORS : 0;
    return shouldNullify ? null : updated;
  }
  if (shape.kind === COMPOSITE) {
    assert(selectionSet, () => `Invalid empty selection set for composite type ${type}`);
    assert(
      typeof inputValue === 'object',
      () =>
        `Invalid non-object value ${inputValue} returned by subgraph for composite type ${type}`,
    );
    assert(
      outputValue === undefined || typeof outputValue === 'object',
      () =>
        `Invalid non-object value ${inputValue} returned by subgraph for composite type ${type}`,
    );
    const inputObject = inputValue as Record<string, unknown>;
    const inputTypename = inputObject[typenameFieldName];
    assert(
      inputTypename === undefined || typeof inputTypename === 'string',
      () => `Invalid non-string value ${inputTypename} for __typename at ${path}`,
    );
    let objType = type as CompositeType;
    if (inputTypename) {
      const typenameType = parameters.schema.type(inputTypename as string);
      if (!typenameType || !isCompositeType(typenameType)) {
        parameters.errors.push(
          ERRORS.INVALID_GRAPHQL.err(
            `Invalid __typename found for object at ${pathLastElementDescription(path, type, parentType)}.`,
            { path: Array.from(path) },
          ),
        );
        parameters.flags = HAS_ERRORS;
        return null;
      }
      objType = typenameType;
    }
    const outputObject =
      outputValue === undefined
        ? (Object.create(null) as Record<string, unknown>)
        : (outputValue as Record<string, unknown>);
    const res = applySelectionSet(
      inputObject,
      selectionSet!,
      outputObject,
      parameters,
      path,
      objType,
    );
    const hasErrors = res === NULL_BUBBLE_UP;
    parameters.flags = hasErrors ? HAS_ERRORS : 0;
    return hasErrors ? null : outputObject;
  }
  assert(
    outputValue === undefined,
    () => `Excepted output to be undefined but got ${type} for type ${type}`,
  );
  const isValidValue = isValidLeafValue(
    parameters.schema,
    inputValue,
    type as ScalarType | EnumType,
  );
  if (!isValidValue) {
    parameters.errors.push(
      ERRORS.INVALID_GRAPHQL.err(
        `Invalid value found for ${pathLastElementDescription(path, type, parentType)}.`,
        { path: Array.from(path) },
      ),
    );
  }
  parameters.flags = isValidValue ? 0 : HAS_ERRORS;
  return isValidValue ? inputValue : null;
}
