// Human durations for CLI flags and the admin API ("90s", "15m", "24h", "30d"): the config file's syntax, with a
// message that shows it.

import { ParleyError } from '../domain/index.js';
import { parseDuration as parseConfigDuration } from '../config/units.js';

/** Parses a duration as the config file writes them (number + ms|s|m|h|d) to milliseconds; throws a helpful message. */
export function parseDuration(text: string): number {
  try {
    return parseConfigDuration(text.trim());
  } catch {
    throw new Error(`"${text}" is not a duration; use a number and a unit, e.g. 90s, 15m, 24h, 30d`);
  }
}

/** The longest key lifetime or rotation grace period accepted: ten years. */
export const MAX_KEY_DURATION = '3650d';
const MAX_KEY_DURATION_MS = parseConfigDuration(MAX_KEY_DURATION);

/**
 * A key's lifetime or grace period in milliseconds. Longer than ten years is refused by name: a date past
 * JavaScript's range would be stored and then break every listing of the keys.
 */
export function parseKeyDuration(text: string, field: string): number {
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch (error) {
    throw new ParleyError('invalid_request', `${field}: ${(error as Error).message}.`, { param: field });
  }
  if (ms > MAX_KEY_DURATION_MS) {
    throw new ParleyError(
      'invalid_request',
      `${field} may be at most ${MAX_KEY_DURATION} (ten years); got "${text}".`,
      {
        param: field,
      },
    );
  }
  return ms;
}
