import { badInput } from './errors.js';

/**
 * Characters that show nothing on their own: format characters (Unicode category Cf: zero-width
 * spaces and joiners, U+FEFF, bidi marks and isolates, soft hyphens), separators (Z*: spaces of
 * every width, NBSP, line and paragraph separators) and controls (Cc).
 */
const INVISIBLE = /[\p{Cf}\p{Z}\p{Cc}]/u;
const INVISIBLE_EDGES = /^[\p{Cf}\p{Z}\p{Cc}]+|[\p{Cf}\p{Z}\p{Cc}]+$/gu;

/** The text without the invisible characters at either end (inner ones stay). */
export function trimInvisible(value: string): string {
  return value.replace(INVISIBLE_EDGES, '');
}

/** Whether the text has at least one character that is not a format, space or control character. */
export function hasVisibleText(value: string): boolean {
  for (const ch of value) if (!INVISIBLE.test(ch)) return true;
  return false;
}

/**
 * Free text that must say something: trimmed of invisible characters at both ends, with at least
 * one visible character (text made only of spaces, format or control characters is refused as
 * empty), at most `max` characters (code points, not bytes). Every required free-text input
 * (names, titles, purposes, reasons, notes) goes through here, so all follow one rule.
 */
export function boundedText(value: string, field: string, max: number): string {
  if (value.trim() === '') throw badInput(field, 'must not be empty');
  if (!hasVisibleText(value)) {
    throw badInput(
      field,
      'must contain visible text, not only spaces, format or control characters',
    );
  }
  const trimmed = trimInvisible(value);
  const length = [...trimmed].length;
  if (length > max) throw badInput(field, `must be at most ${max} characters, got ${length}`);
  return trimmed;
}

/** Like `boundedText`, but absent or blank (nothing but invisible characters) is null. */
export function optionalText(
  value: string | null | undefined,
  field: string,
  max: number,
): string | null {
  if (value == null || !hasVisibleText(value)) return null;
  return boundedText(value, field, max);
}
