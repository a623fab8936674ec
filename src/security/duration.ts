// Human durations for CLI flags ("90s", "15m", "24h", "30d"): the config file's syntax, with a message that shows it.

import { parseDuration as parseConfigDuration } from '../config/units.js';

/** Parses a duration as the config file writes them (number + ms|s|m|h|d) to milliseconds; throws a helpful message. */
export function parseDuration(text: string): number {
  try {
    return parseConfigDuration(text.trim());
  } catch {
    throw new Error(`"${text}" is not a duration; use a number and a unit, e.g. 90s, 15m, 24h, 30d`);
  }
}
