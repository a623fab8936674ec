// Check-digit algorithms of national identifiers: Steuer-ID, NIR, DNI/NIE, codice fiscale, BSN, and generic mod-11.

const digitsOf = (s: string): number[] => [...s].map((c) => c.charCodeAt(0) - 48);

/**
 * German tax id (Steuer-IdNr.): 11 digits, no leading 0, one digit repeated 2-3 times in the first 10, ISO 7064 MOD
 * 11,10.
 */
export function steuerIdValid(id: string): boolean {
  if (!/^[1-9]\d{10}$/.test(id)) return false;
  const d = digitsOf(id);
  const counts = new Map<number, number>();
  for (const x of d.slice(0, 10)) counts.set(x, (counts.get(x) ?? 0) + 1);
  const repeated = [...counts.values()].filter((n) => n > 1);
  if (repeated.length !== 1 || repeated[0] > 3) return false;
  let product = 10;
  for (let i = 0; i < 10; i++) {
    let sum = (d[i] + product) % 10;
    if (sum === 0) sum = 10;
    product = (sum * 2) % 11;
  }
  const check = (11 - product) % 10;
  return check === d[10];
}

/** French NIR (numéro de sécurité sociale): 13 characters (Corsica 2A/2B) and a key of 97 - (n mod 97). */
export function nirValid(compact: string): boolean {
  const m = /^([12])(\d{2})(0[1-9]|1[0-2]|[2-9]\d)(\d{2}|2[AB])(\d{3})(\d{3})(\d{2})$/.exec(compact);
  if (!m) return false;
  const body = compact.slice(0, 13).replace('2A', '19').replace('2B', '18');
  const n = BigInt(body);
  return 97n - (n % 97n) === BigInt(m[7]);
}

const DNI_LETTERS = 'TRWAGMYFPDXBNJZSQVHLCKE';

/** Spanish DNI (8 digits + letter) or NIE (X/Y/Z + 7 digits + letter): the letter is the number mod 23. */
export function dniValid(id: string): boolean {
  const up = id.toUpperCase();
  const m = /^([XYZ]?)(\d{7,8})([A-Z])$/.exec(up);
  if (!m) return false;
  if (m[1] === '' ? m[2].length !== 8 : m[2].length !== 7) return false;
  const number = Number(`${m[1] === '' ? '' : 'XYZ'.indexOf(m[1])}${m[2]}`);
  return DNI_LETTERS[number % 23] === m[3];
}

const CF_ODD: Record<string, number> = {};
'1 0 5 7 9 13 15 17 19 21 2 4 18 20 11 3 6 8 12 14 16 10 22 25 24 23'.split(' ').forEach((v, i) => {
  CF_ODD[String.fromCharCode(65 + i)] = Number(v);
  if (i < 10) CF_ODD[String(i)] = Number('1 0 5 7 9 13 15 17 19 21'.split(' ')[i]);
});

/** Italian codice fiscale: 16 characters in the official shape (omocodia letters allowed) with its check letter. */
export function codiceFiscaleValid(id: string): boolean {
  const up = id.toUpperCase();
  if (!/^[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]$/.test(up))
    return false;
  let sum = 0;
  for (let i = 0; i < 15; i++) {
    const c = up[i];
    if (i % 2 === 0) sum += CF_ODD[c];
    else sum += c >= '0' && c <= '9' ? c.charCodeAt(0) - 48 : c.charCodeAt(0) - 65;
  }
  return String.fromCharCode(65 + (sum % 26)) === up[15];
}

/** Dutch BSN: 9 digits passing the 11-test (9·d1 + 8·d2 + … + 2·d8 − d9 ≡ 0 mod 11), not all zero. */
export function bsnValid(id: string): boolean {
  if (!/^\d{9}$/.test(id) || /^0+$/.test(id)) return false;
  const d = digitsOf(id);
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += (9 - i) * d[i];
  sum -= d[8];
  return sum % 11 === 0;
}

/**
 * Generic mod-11 check (weights 2, 3, 4, … from the right over the body; check digit 11 − sum mod 11, 10 → invalid, 11
 * → 0).
 */
export function mod11Valid(digits: string): boolean {
  if (!/^\d{2,}$/.test(digits)) return false;
  const d = digitsOf(digits);
  let sum = 0;
  for (let i = d.length - 2, w = 2; i >= 0; i--, w++) sum += d[i] * w;
  const check = 11 - (sum % 11);
  if (check === 10) return false;
  return (check === 11 ? 0 : check) === d[d.length - 1];
}

const MRZ_WEIGHTS = [7, 3, 1];

/** ICAO 9303's check digit: digits as themselves, A–Z as 10–35, `<` as 0, weighted 7, 3, 1 in turn, modulo 10. */
export function mrzCheckDigit(chars: string): number {
  let sum = 0;
  for (let i = 0; i < chars.length; i++) {
    const c = chars.charCodeAt(i);
    const value = c >= 48 && c <= 57 ? c - 48 : c >= 65 && c <= 90 ? c - 55 : 0;
    sum += value * MRZ_WEIGHTS[i % 3];
  }
  return sum % 10;
}
