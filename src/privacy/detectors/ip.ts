// IP address detector: IPv4 with octet range checks and IPv6 including compressed and IPv4-suffixed forms.

import type { Detector, Match } from '../types.js';
import { windowBefore } from './context.js';
import { digitRuns, forEachAnchoredRun, isWordCode } from './util.js';

const V4_AT = /(?<![\w.\-])(?:\d{1,3}\.){3}\d{1,3}(?![\w\-]|\.\d)/y;
const V6 = /(?<![\w:.])(?:[0-9A-Fa-f]{1,4}|:)?(?::[0-9A-Fa-f]{0,4}){1,7}(?:\.\d{1,3}){0,3}(?![\w:]|\.\d)/y;
const COLON = /:/g;
// The characters V6's lookbehind forbids: an address can only start where a run of them starts.
const inV6Run = (c: number): boolean => isWordCode(c) || c === 58 || c === 46;
// A dotted quad right after one of these is a version or build number, not an address.
const VERSION_CONTEXT =
  /(?:\bv|\bversion|\bver\.?|\brelease|\bbuild|\bfirmware|\bbuild no\.?|\brev\.?|\brevision)\s*[:=]?\s*$/;
const OCTET = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** True for a dotted quad with octets 0-255 and no leading zeros. */
export function isIPv4(s: string): boolean {
  const parts = s.split('.');
  return parts.length === 4 && parts.every((p) => OCTET.test(p));
}

/** True for a valid IPv6 address text (RFC 4291 section 2.2), including `::` and an IPv4 tail. */
export function isIPv6(s: string): boolean {
  let groups = 8;
  let body = s;
  const lastColon = s.lastIndexOf(':');
  if (s.includes('.')) {
    if (!isIPv4(s.slice(lastColon + 1))) return false;
    body = s.slice(0, lastColon + 1) + '0:0';
  }
  const halves = body.split('::');
  if (halves.length > 2) return false;
  const hex = /^[0-9A-Fa-f]{1,4}$/;
  const parse = (h: string): string[] | undefined => {
    if (h === '') return [];
    const parts = h.split(':');
    return parts.every((p) => hex.test(p)) ? parts : undefined;
  };
  const left = parse(halves[0]);
  if (!left) return false;
  if (halves.length === 1) return left.length === groups;
  const right = parse(halves[1]);
  if (!right) return false;
  groups -= 1; // '::' stands for at least one group
  return left.length + right.length <= groups;
}

/**
 * Finds IPv4 and IPv6 addresses. Decision: a dotted quad preceded by `v`, `version`, `ver`,
 * `release`, `build`, `firmware` or `rev` is a version string and is not reported.
 */
export const ipDetector: Detector = {
  category: 'ip',
  find(text: string): Match[] {
    const out: Match[] = [];
    // A dotted quad starts a run of digits (V4's lookbehind forbids a digit before it) of at most three digits followed
    // by
    // a dot: V4 is tried (sticky) only there, skipping runs inside a previous match, as a scan of the whole text would.
    const runs = digitRuns(text);
    let after = 0;
    for (let k = 0; k < runs.length; k += 2) {
      const start = runs[k];
      if (start < after || runs[k + 1] - start > 3 || text.charCodeAt(runs[k + 1]) !== 46) continue;
      V4_AT.lastIndex = start;
      const m = V4_AT.exec(text);
      if (m === null) continue;
      after = start + m[0].length;
      if (!isIPv4(m[0])) continue;
      if (VERSION_CONTEXT.test(windowBefore(text, start, 20))) continue;
      out.push({ category: 'ip', start, end: after, value: m[0] });
    }
    if (text.includes(':')) {
      // Only runs of word characters, colons and dots that contain a colon can hold an address: try V6 at their starts.
      forEachAnchoredRun(text, COLON, inV6Run, (start) => {
        V6.lastIndex = start;
        const m = V6.exec(text);
        if (!m) return;
        const v = m[0];
        // Cheap shape test first: a full address has 7 colons, a compressed one has "::".
        if (v.length < 2 || (!v.includes('::') && v.split(':').length !== 8) || !isIPv6(v)) return;
        out.push({ category: 'ip', start: m.index, end: m.index + m[0].length, value: m[0] });
      });
    }
    // An IPv4 tail of an IPv6 address (`::ffff:192.0.2.1`) is not a second address.
    const v6 = out.filter((m) => m.value.includes(':'));
    const kept =
      v6.length === 0
        ? out
        : out.filter((m) => m.value.includes(':') || !v6.some((x) => m.start >= x.start && m.end <= x.end));
    return kept.sort((a, b) => a.start - b.start);
  },
};
