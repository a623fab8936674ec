// MAC address recognizer: six hex pairs with one consistent separator, or the Cisco dotted form.

import type { Detector, Match } from '../types.js';
import { flatten, forEachAnchoredRun, isWordCode } from './util.js';

const CANDIDATE =
  /(?<![\w:.\-])(?:[0-9A-Fa-f]{2}([:\-])(?:[0-9A-Fa-f]{2}\1){4}[0-9A-Fa-f]{2}|[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4})(?![\w:\-]|\.\w)/y;
// The first separator of every address is followed by two hex digits and a separator (or four and a dot): the runs
// are visited only at such separators, not at every dot, colon and dash of the prose.
const ANCHOR = /[:\-](?=[0-9A-Fa-f]{2}[:\-])|\.(?=[0-9A-Fa-f]{4}\.)/g;
// The characters CANDIDATE's lookbehind forbids: an address can only start where a run of them starts.
const inRun = (c: number): boolean => isWordCode(c) || c === 58 || c === 46 || c === 45;

/**
 * Finds MAC addresses: `00:1A:2B:3C:4D:5E`, `00-1a-2b-3c-4d-5e`, `001a.2b3c.4d5e` (a dotted form needs a letter or the
 * separators' shape).
 */
export const macDetector: Detector = {
  category: 'mac',
  find(text: string): Match[] {
    flatten(text);
    const out: Match[] = [];
    // Only runs of word characters and separators that hold an anchor can hold one: try the pattern at their starts.
    forEachAnchoredRun(text, ANCHOR, inRun, (start, end) => {
      if (end - start < 14) return;
      CANDIDATE.lastIndex = start;
      const m = CANDIDATE.exec(text);
      if (m && (m[1] !== undefined || /[A-Fa-f]/.test(m[0])))
        out.push({ category: 'mac', start, end: start + m[0].length, value: m[0] });
    });
    return out;
  },
};
