// Static check of operator regular expressions: refuses syntax errors, backreferences and nested unbounded quantifiers.

interface Frame {
  start: number;
  unbounded: boolean;
  alternation: boolean;
}

/**
 * Length of the quantifier at `i` (0 if none) and whether it is unbounded (`*`, `+`, `{n,}`, or an upper bound over
 * 100).
 */
function quantifierAt(src: string, i: number): [number, boolean] {
  const c = src[i];
  if (c === '*' || c === '+') return [src[i + 1] === '?' ? 2 : 1, true];
  if (c === '?') return [1, false];
  if (c === '{') {
    const m = /^\{(\d+)(,(\d*))?\}\??/.exec(src.slice(i));
    if (m) return [m[0].length, m[2] !== undefined && (m[3] === '' || Number(m[3]) > 100)];
  }
  return [0, false];
}

/**
 * Why `source` is unsafe as an operator pattern, or undefined. Refused: patterns that do not
 * compile (flag `u`), backreferences, and a group repeated without bound that itself contains an
 * unbounded quantifier or alternatives (`(a+)+`, `(\w*\s?)*`, `(a|ab)*`): the shapes that make a
 * backtracking engine take exponential time. A static check, not a proof: it errs on refusing.
 */
export function regexSafetyProblem(source: string): string | undefined {
  try {
    new RegExp(source, 'u');
  } catch (error) {
    return `not a valid regular expression (${(error as Error).message.replace(/^Invalid regular expression: /, '')})`;
  }
  if (/\\[1-9]|\\k</.test(source))
    return 'backreferences are not allowed (they defeat the linear-time check) — rewrite without \\1 or \\k<name>';
  const stack: Frame[] = [{ start: 0, unbounded: false, alternation: false }];
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    let atomEnd = i + 1;
    let inner: Frame | undefined;
    if (c === '\\') atomEnd = i + 2;
    else if (c === '[') {
      let j = i + 1;
      while (j < source.length && source[j] !== ']') j += source[j] === '\\' ? 2 : 1;
      atomEnd = j + 1;
    } else if (c === '(') {
      stack.push({ start: i, unbounded: false, alternation: false });
      i +=
        source[i + 1] === '?'
          ? source[i + 2] === '<' && source[i + 3] !== '=' && source[i + 3] !== '!'
            ? source.indexOf('>', i) + 1
            : 3
          : 1;
      continue;
    } else if (c === '|') {
      stack[stack.length - 1].alternation = true;
      i++;
      continue;
    } else if (c === ')') {
      inner = stack.pop();
      if (!inner || stack.length === 0) return 'unbalanced parenthesis';
    }
    const [qLength, unbounded] = quantifierAt(source, atomEnd);
    if (inner && unbounded && (inner.unbounded || inner.alternation)) {
      const group = source.slice(inner.start, atomEnd + qLength);
      const why = inner.unbounded
        ? 'a repeated group containing another unbounded quantifier'
        : 'a repeated group of alternatives';
      return (
        `${why} (${group}) can take exponential time on some inputs — make the inner part ` +
        `fixed-length or bounded, e.g. (?:\\w+\\s?){1,10} -> [\\w\\s]{1,200}`
      );
    }
    const top = stack[stack.length - 1];
    if (unbounded || inner?.unbounded) top.unbounded = true;
    i = atomEnd + qLength;
  }
  return undefined;
}
