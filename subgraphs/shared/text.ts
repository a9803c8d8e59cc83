import { badInput } from './errors.js';

/** Free text: trimmed, not empty, at most `max` characters (code points, not bytes). */
export function boundedText(value: string, field: string, max: number): string {
  const trimmed = value.trim();
  if (trimmed === '') throw badInput(field, 'must not be empty');
  const length = [...trimmed].length;
  if (length > max) throw badInput(field, `must be at most ${max} characters, got ${length}`);
  return trimmed;
}

/** Like `boundedText`, but absent or blank is null. */
export function optionalText(
  value: string | null | undefined,
  field: string,
  max: number,
): string | null {
  if (value == null || value.trim() === '') return null;
  return boundedText(value, field, max);
}
