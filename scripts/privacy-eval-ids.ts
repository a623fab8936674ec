// Valid and check-digit-failing national ids for the privacy evaluation set (generated from a seeded faker).

import type { Faker } from '@faker-js/faker';
import {
  bsnValid,
  codiceFiscaleValid,
  dniValid,
  nirValid,
  steuerIdValid,
} from '../src/privacy/detectors/id-checksums.js';

const digits = (f: Faker, n: number): string => f.string.numeric({ length: n, allowLeadingZeros: true });

/** One id of each kind, valid, written as people write it. */
export const ID_KINDS = ['nino', 'steuer_id', 'nir', 'dni', 'nie', 'codice_fiscale', 'bsn', 'itin'] as const;
export type IdKind = (typeof ID_KINDS)[number];
/** Kinds whose validity rests on a check digit (the goal R >= 0.98, P >= 0.97 applies to them). */
export const CHECKSUM_KINDS: readonly IdKind[] = ['steuer_id', 'nir', 'dni', 'nie', 'codice_fiscale', 'bsn'];

function withCheck(f: Faker, body: () => string, valid: (s: string) => boolean, alphabet = '0123456789'): string {
  for (;;) {
    const b = body();
    for (const c of alphabet) if (valid(b + c)) return b + c;
  }
}

function steuerBody(f: Faker): string {
  const ds = f.helpers.shuffle([...'0123456789']);
  const ten = [...ds.slice(0, 9)];
  ten.push(f.helpers.arrayElement(ten));
  let s = f.helpers.shuffle(ten).join('');
  if (s[0] === '0') s = s.slice(1) + s[0];
  return s;
}

/** A valid id of `kind`, sometimes spaced or dashed as is common. */
export function validId(f: Faker, kind: IdKind): string {
  switch (kind) {
    case 'nino': {
      const first = f.helpers.arrayElement([...'ABCEGHJKLMNOPRSTWXYZ']);
      const second = f.helpers.arrayElement([...'ABCEGHJKLMNPRSTWXYZ']);
      const prefix = ['BG', 'GB', 'KN', 'NK', 'NT', 'TN', 'ZZ'].includes(first + second) ? 'AB' : first + second;
      const d = digits(f, 6);
      const suffix = f.helpers.arrayElement([...'ABCD']);
      return f.datatype.boolean()
        ? `${prefix}${d}${suffix}`
        : `${prefix} ${d.slice(0, 2)} ${d.slice(2, 4)} ${d.slice(4)} ${suffix}`;
    }
    case 'steuer_id': {
      const id = withCheck(f, () => steuerBody(f), steuerIdValid);
      return f.datatype.boolean({ probability: 0.7 })
        ? id
        : `${id.slice(0, 2)} ${id.slice(2, 5)} ${id.slice(5, 8)} ${id.slice(8)}`;
    }
    case 'nir': {
      const body = `${f.helpers.arrayElement(['1', '2'])}${digits(f, 2)}${String(f.number.int({ min: 1, max: 12 })).padStart(2, '0')}${String(f.number.int({ min: 1, max: 95 })).padStart(2, '0')}${digits(f, 3)}${digits(f, 3)}`;
      const key = String(97 - Number(BigInt(body) % 97n)).padStart(2, '0');
      if (!nirValid(body + key)) throw new Error('nir generator');
      return f.datatype.boolean()
        ? body + key
        : `${body[0]} ${body.slice(1, 3)} ${body.slice(3, 5)} ${body.slice(5, 7)} ` +
            `${body.slice(7, 10)} ${body.slice(10, 13)} ${key}`;
    }
    case 'dni': {
      const n = digits(f, 8);
      return n + 'TRWAGMYFPDXBNJZSQVHLCKE'[Number(n) % 23];
    }
    case 'nie': {
      const p = f.helpers.arrayElement(['X', 'Y', 'Z']);
      const n = digits(f, 7);
      const id = p + n + 'TRWAGMYFPDXBNJZSQVHLCKE'[Number(`${'XYZ'.indexOf(p)}${n}`) % 23];
      if (!dniValid(id)) throw new Error('nie generator');
      return id;
    }
    case 'codice_fiscale': {
      const letters = (n: number): string => f.string.alpha({ length: n, casing: 'upper' });
      const body = () =>
        `${letters(6)}${digits(f, 2)}${f.helpers.arrayElement([...'ABCDEHLMPRST'])}${String(f.number.int({ min: 1, max: 31 }) + (f.datatype.boolean() ? 40 : 0)).padStart(2, '0')}${letters(1)}${digits(f, 3)}`;
      return withCheck(f, body, codiceFiscaleValid, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ');
    }
    case 'bsn': {
      const id = withCheck(f, () => `${f.number.int({ min: 1, max: 9 })}${digits(f, 7)}`, bsnValid);
      return f.datatype.boolean({ probability: 0.8 }) ? id : `${id.slice(0, 4)}.${id.slice(4, 6)}.${id.slice(6)}`;
    }
    case 'itin': {
      const group = f.helpers.arrayElement([
        '70',
        '71',
        '72',
        '73',
        '78',
        '80',
        '81',
        '82',
        '88',
        '90',
        '92',
        '94',
        '99',
        '50',
        '65',
      ]);
      return `9${digits(f, 2)}-${group}-${digits(f, 4)}`;
    }
  }
}

/** The same id with its check digit broken (ids without a check digit are returned malformed instead). */
export function invalidId(f: Faker, kind: IdKind): string {
  const valid = validId(f, kind).replace(/[\s.]/g, '');
  const checks: Partial<Record<IdKind, (s: string) => boolean>> = {
    steuer_id: steuerIdValid,
    nir: nirValid,
    dni: dniValid,
    nie: dniValid,
    codice_fiscale: codiceFiscaleValid,
    bsn: bsnValid,
  };
  const check = checks[kind];
  if (!check) return kind === 'nino' ? `DQ${valid.slice(2)}` : `${valid.slice(0, 4)}89${valid.slice(6)}`; // D/Q prefixes are never issued; ITIN groups skip 89
  for (let i = 0; i < 20; i++) {
    const pos = valid.length - 1 - (i % 3);
    const c = valid[pos];
    const alphabet = /\d/.test(c) ? '0123456789' : 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
    const repl =
      alphabet[(alphabet.indexOf(c) + 1 + f.number.int({ min: 0, max: alphabet.length - 2 })) % alphabet.length];
    const bad = valid.slice(0, pos) + repl + valid.slice(pos + 1);
    if (!check(bad.toUpperCase())) return bad;
  }
  throw new Error(`could not break ${kind}`);
}
