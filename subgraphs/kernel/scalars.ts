import { GraphQLScalarType, Kind } from 'graphql';
import { badInput } from './errors.js';
import { fenToYuan, yuanToFen } from './money.js';

/** Money in yuan as an exact decimal string; resolvers hand it integer fen. */
export const Money = new GraphQLScalarType({
  name: 'Money',
  serialize: (value) => fenToYuan(value as number | bigint | string),
  parseValue: (value) => {
    if (typeof value !== 'string')
      throw badInput('Money', 'send amounts as strings, e.g. "1250000.00"');
    return yuanToFen(value, 'Money');
  },
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING)
      throw badInput('Money', 'send amounts as strings, e.g. "1250000.00"');
    return yuanToFen(ast.value, 'Money');
  },
});

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function parseDate(value: unknown): string {
  if (typeof value !== 'string' || !DATE.test(value) || Number.isNaN(Date.parse(value))) {
    throw badInput('Date', `"${String(value)}" is not a calendar date YYYY-MM-DD`);
  }
  return value;
}

export const DateScalar = new GraphQLScalarType({
  name: 'Date',
  serialize: (value) => (value instanceof Date ? value.toISOString().slice(0, 10) : String(value)),
  parseValue: parseDate,
  parseLiteral: (ast) => parseDate(ast.kind === Kind.STRING ? ast.value : undefined),
});

function parseDateTime(value: unknown): Date {
  const parsed = typeof value === 'string' ? new Date(value) : undefined;
  if (!parsed || Number.isNaN(parsed.getTime())) {
    throw badInput('DateTime', `"${String(value)}" is not an ISO 8601 date-time`);
  }
  return parsed;
}

export const DateTime = new GraphQLScalarType({
  name: 'DateTime',
  serialize: (value) => (value instanceof Date ? value : new Date(String(value))).toISOString(),
  parseValue: parseDateTime,
  parseLiteral: (ast) => parseDateTime(ast.kind === Kind.STRING ? ast.value : undefined),
});

/** Decimal rates ("0.0385") kept as strings. */
export const Decimal = new GraphQLScalarType({
  name: 'Decimal',
  serialize: (value) => String(value),
  parseValue: (value) => String(value),
  parseLiteral: (ast) =>
    ast.kind === Kind.STRING || ast.kind === Kind.FLOAT || ast.kind === Kind.INT
      ? ast.value
      : undefined,
});

export const scalarResolvers = { Money, Date: DateScalar, DateTime, Decimal };
