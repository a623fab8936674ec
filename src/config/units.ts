// Duration and size values as written in the configuration file ("30s", "1mb") and their parsers.

/** A duration string: a number followed by ms, s, m, h or d (e.g. "250ms", "1.5s", "30m"). */
export const DURATION_PATTERN = '^\\d+(\\.\\d+)?(ms|s|m|h|d)$';
/** A size string: a number followed by b, kb, mb or gb, binary multiples (e.g. "512kb", "1mb"). */
export const SIZE_PATTERN = '^\\d+(\\.\\d+)?\\s*([bB]|[kK][bB]|[mM][bB]|[gG][bB])$';

const DURATION_RE = new RegExp(DURATION_PATTERN);
const SIZE_RE = new RegExp(SIZE_PATTERN);

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

/** A duration as written: milliseconds, or a string with a unit. */
export type DurationValue = number | string;
/** A size as written: bytes, or a string with a unit. */
export type SizeValue = number | string;

/** True if the value is a valid duration (a non-negative number of ms or a string like "30s"). */
export function isDuration(value: unknown): value is DurationValue {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0;
  return typeof value === 'string' && DURATION_RE.test(value);
}

/** True if the value is a valid size (a non-negative whole number of bytes or a string like "1mb"). */
export function isSize(value: unknown): value is SizeValue {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0;
  return typeof value === 'string' && SIZE_RE.test(value);
}

/** Converts a duration to whole milliseconds; throws on an invalid value. */
export function parseDuration(value: DurationValue): number {
  if (typeof value === 'number') {
    if (!isDuration(value)) throw new RangeError(`invalid duration: ${String(value)}`);
    return Math.round(value);
  }
  const match = DURATION_RE.exec(value);
  if (!match) throw new RangeError(`invalid duration: ${value}`);
  const unit = match[2] as string;
  const amount = Number(value.slice(0, value.length - unit.length));
  return Math.round(amount * (DURATION_UNITS[unit] as number));
}

/** Converts a size to whole bytes; throws on an invalid value. */
export function parseSize(value: SizeValue): number {
  if (typeof value === 'number') {
    if (!isSize(value)) throw new RangeError(`invalid size: ${String(value)}`);
    return value;
  }
  const match = SIZE_RE.exec(value);
  if (!match) throw new RangeError(`invalid size: ${value}`);
  const unit = (match[2] as string).toLowerCase();
  const amount = Number(value.slice(0, value.length - (match[2] as string).length).trim());
  return Math.round(amount * (SIZE_UNITS[unit] as number));
}
