import { Column, SQL, Subquery, getTableName, is, noopDecoder } from 'drizzle-orm';

/** A selected field as drizzle orders them for a statement: where it goes, what decodes it. */
export interface SelectedField {
  path: string[];
  field: unknown;
}

interface Decoder {
  mapFromDriverValue(value: unknown): unknown;
}

/** The rows of a statement as drizzle's driver answers them: one array of values per row. */
export type RowMapper = (rows: unknown[][]) => Record<string, unknown>[];

/** As `mapResultRow` finds it: a column decodes its own values, SQL what `mapWith` gave it. */
function decoderOf(field: unknown): Decoder {
  if (is(field, Column)) return field;
  let text: unknown;
  if (is(field, SQL)) text = field;
  else if (is(field, Subquery)) text = field._.sql;
  else text = (field as SQL.Aliased).sql;
  return (text as { decoder: Decoder }).decoder;
}

/** Decoders that hand the driver's value back unchanged are skipped. */
function decodes(decoder: Decoder): boolean {
  const map = decoder.mapFromDriverValue;
  return map !== Column.prototype.mapFromDriverValue && map !== noopDecoder.mapFromDriverValue;
}

/**
 * Objects of a left-joined table that come back null when their first column is null, as drizzle
 * decides it: the objects whose columns all come from one table that the joins may leave out.
 * Each as [object key, key of its first column].
 */
function nullableObjects(
  fields: SelectedField[],
  joinsNotNullable: Record<string, boolean>,
): [string, string][] {
  const first = new Map<string, { key: string; table: string | null }>();
  for (const { path, field } of fields) {
    if (path.length !== 2 || !is(field, Column)) continue;
    const table = getTableName(field.table);
    const seen = first.get(path[0]);
    if (!seen) first.set(path[0], { key: path[1], table });
    else if (seen.table !== table) seen.table = null;
  }
  return [...first]
    .filter(([, { table }]) => table !== null && !joinsNotNullable[table])
    .map(([object, { key }]) => [object, key]);
}

/**
 * What drizzle's `mapResultRow` makes of each row, worked out once per statement instead of once
 * per column of every row: drizzle asks each field what it is (`is`, a walk up its classes) and
 * iterates its path on every value, which on the widest hot statements cost more CPU than the
 * statement itself. Undefined for selections nested deeper than one object (left to drizzle).
 */
export function rowMapper(
  fields: SelectedField[],
  joinsNotNullable?: Record<string, boolean>,
): RowMapper | undefined {
  if (fields.some(({ path }) => path.length > 2)) return undefined;
  const outer = fields.map(({ path }) => path[0]);
  const inner = fields.map(({ path }) => (path.length === 2 ? path[1] : undefined));
  const decoders = fields.map(({ field }) => {
    const decoder = decoderOf(field);
    return decodes(decoder) ? decoder : null;
  });
  const nullable = joinsNotNullable ? nullableObjects(fields, joinsNotNullable) : [];
  const count = fields.length;
  return (rows) =>
    rows.map((row) => {
      const result: Record<string, unknown> = {};
      for (let i = 0; i < count; i++) {
        const raw = row[i];
        const decoder = decoders[i];
        const value =
          raw === null ? null : decoder === null ? raw : decoder.mapFromDriverValue(raw);
        const key = inner[i];
        if (key === undefined) result[outer[i]] = value;
        else ((result[outer[i]] ??= {}) as Record<string, unknown>)[key] = value;
      }
      for (const [object, key] of nullable) {
        if ((result[object] as Record<string, unknown>)[key] === null) result[object] = null;
      }
      return result;
    });
}
