// Context words near a candidate: the Presidio-style score boost for cues such as "born", "passport", "my name is".

/** A lower-cased cue list compiled into one regex that must match at the end of the window before a candidate. */
export function cueBefore(cues: readonly string[], gap = String.raw`[\s:=#.,'"()\-]*`, slack = 0): RegExp {
  const alternatives = [...cues]
    .sort((a, b) => b.length - a.length)
    .map(escapeCue)
    .join('|');
  const filler = slack > 0 ? String.raw`(?:[^\n.;!?]{0,${slack}}?)` : '';
  return new RegExp(`(?:^|[^\\p{L}\\p{N}])(?:${alternatives})${filler}${gap}$`, 'u');
}

/** Escapes a cue for a regex; a space in a cue matches any run of whitespace, or an underscore (`date_of_birth`). */
function escapeCue(cue: string): string {
  return cue.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/ /g, String.raw`(?:\s+|_)`);
}

// A context window ends at a NUL: Parley joins the leaves of a JSON text with one (each value's own key is its
// label), so a cue in one member is not taken for the cue of the next (`{"bsn": …, "orderId": 123456789}`).
const NUL = '\u0000';

/**
 * The lower-cased window of up to `n` characters before `index`, not reaching back past a NUL, nor past the start of
 * the line when the line is a form's field (`Order id: …` after `Bsn: …`): its label is the value's own cue.
 */
export function windowBefore(text: string, index: number, n: number): string {
  let window = text.slice(Math.max(0, index - n), index);
  const nul = window.lastIndexOf(NUL);
  if (nul >= 0) window = window.slice(nul + 1);
  const line = window.lastIndexOf('\n');
  if (line >= 0 && window.indexOf(':', line) > 0) window = window.slice(line + 1);
  return window.toLowerCase();
}

/** The lower-cased window of up to `n` characters after `index`, not reaching past a NUL. */
export function windowAfter(text: string, index: number, n: number): string {
  const window = text.slice(index, index + n);
  const nul = window.indexOf(NUL);
  return (nul < 0 ? window : window.slice(0, nul)).toLowerCase();
}

/** True if `index` starts a sentence: the text start, a line start, or after `.`, `!`, `?`, `:` and spaces. */
export function atSentenceStart(text: string, index: number): boolean {
  let i = index - 1;
  while (i >= 0 && (text[i] === ' ' || text[i] === '\t' || text[i] === '"' || text[i] === '“')) i--;
  return (
    i < 0 ||
    text[i] === '\n' ||
    text[i] === '.' ||
    text[i] === '!' ||
    text[i] === '?' ||
    text[i] === ':' ||
    text[i] === '-'
  );
}
