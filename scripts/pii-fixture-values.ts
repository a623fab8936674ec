// Value generators for the PII fixture set: seeded RNG, Luhn and mod-97 check digits, secrets, JWTs.

/** Mulberry32, shared with the mock upstream's fault injection. */
export { seededRandom as createRng } from '../src/mock-upstream/fault-state.js';

export class Gen {
  constructor(readonly rnd: () => number) {}
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.rnd() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rnd() * xs.length)];
  }
  digits(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += String(this.int(0, 9));
    return s;
  }
  chars(n: number, alphabet: string): string {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[this.int(0, alphabet.length - 1)];
    return s;
  }
}

export const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
export const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
export const B64URL = ALNUM + '-_';
export const HEX = '0123456789abcdef';

/** The Luhn check digit that completes `body`. */
export function luhnCheckDigit(body: string): string {
  let sum = 0;
  let double = true;
  for (let i = body.length - 1; i >= 0; i--) {
    let d = Number(body[i]);
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return String((10 - (sum % 10)) % 10);
}

/** A Luhn-valid number of `length` digits starting with `prefix`. */
export function cardNumber(g: Gen, prefix: string, length: number): string {
  const body = prefix + g.digits(length - prefix.length - 1);
  return body + luhnCheckDigit(body);
}

/** A Luhn-invalid variant (last digit changed). */
export function breakLuhn(n: string): string {
  const last = Number(n[n.length - 1]);
  return n.slice(0, -1) + String((last + 1) % 10);
}

/** Groups digits like card issuers print them. */
export function groupCard(n: string, sep: string): string {
  if (sep === '') return n;
  const sizes =
    n.length === 15
      ? [4, 6, 5]
      : n.length === 14
        ? [4, 6, 4]
        : n.length === 13
          ? [4, 4, 5]
          : n.length === 19
            ? [4, 4, 4, 4, 3]
            : [4, 4, 4, 4];
  const out: string[] = [];
  let at = 0;
  for (const s of sizes) {
    out.push(n.slice(at, at + s));
    at += s;
  }
  return out.join(sep);
}

function mod97(s: string): number {
  let r = 0;
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    r = c >= 65 ? (r * 100 + (c - 55)) % 97 : (r * 10 + (c - 48)) % 97;
  }
  return r;
}

/** BBAN shapes: `n` digits, `a` upper letters, `c` alphanumerics (per-country formats, simplified). */
export const IBAN_FORMATS: Readonly<Record<string, string>> = {
  DE: '18n',
  GB: '4a14n',
  FR: '10n11c2n',
  ES: '20n',
  IT: '1a10n12c',
  NL: '4a10n',
  BE: '12n',
  AT: '16n',
  CH: '5n12c',
  PL: '24n',
  PT: '21n',
  IE: '4a14n',
  SE: '20n',
  NO: '11n',
  DK: '14n',
  FI: '14n',
  CZ: '20n',
  HU: '24n',
  RO: '4a16c',
  GR: '7n16c',
  LU: '3n13c',
  SK: '20n',
  SI: '15n',
  HR: '17n',
  BG: '4a6n8c',
  TR: '5n1n16c',
  SA: '2n18c',
  AE: '3n16n',
  LT: '16n',
  EE: '16n',
  MT: '4a5n18c',
  CY: '8n16c',
};

/** A valid IBAN (compact) for a country in `IBAN_FORMATS`. */
export function iban(g: Gen, cc: string): string {
  let bban = '';
  for (const [, n, kind] of IBAN_FORMATS[cc].matchAll(/(\d+)([nac])/g)) {
    const len = Number(n);
    bban += kind === 'n' ? g.digits(len) : kind === 'a' ? g.chars(len, UPPER) : g.chars(len, UPPER + '0123456789');
  }
  const check = 98 - mod97(bban + cc + '00');
  return cc + String(check).padStart(2, '0') + bban;
}

/** An IBAN with its check digits altered (fails mod-97). */
export function breakIban(valid: string): string {
  const check = Number(valid.slice(2, 4));
  const bad = check === 97 ? 2 : check + 1;
  return valid.slice(0, 2) + String(bad).padStart(2, '0') + valid.slice(4);
}

export function spaceIban(s: string): string {
  return s.replace(/(.{4})(?=.)/g, '$1 ');
}

/** base64url of a JSON value. */
export function b64json(v: unknown): string {
  return Buffer.from(JSON.stringify(v)).toString('base64url');
}
