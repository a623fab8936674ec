// Generates test/fixtures/pii/cases.jsonl: seeded positives and hard negatives, plus hand-written cases.
// Run: npx tsx scripts/generate-pii-fixtures.ts

import { writeFileSync } from 'node:fs';
import {
  ALNUM,
  B64URL,
  HEX,
  IBAN_FORMATS,
  UPPER,
  Gen,
  b64json,
  breakIban,
  breakLuhn,
  cardNumber,
  createRng,
  groupCard,
  iban,
  spaceIban,
} from './pii-fixture-values.js';
import { HANDWRITTEN } from './pii-fixture-handwritten.js';

type Part = string | readonly [string, string];
export interface FixtureEntity {
  category: string;
  value: string;
  start: number;
  end: number;
}
export interface FixtureCase {
  id: string;
  kind: 'positive' | 'negative';
  text: string;
  entities: FixtureEntity[];
  note: string;
}

const g = new Gen(createRng(20261124));
const cases: FixtureCase[] = [];
const counters = new Map<string, number>();

/** Builds a case from literal strings and `[category, value]` parts (whose spans are recorded). */
export function build(parts: readonly Part[]): { text: string; entities: FixtureEntity[] } {
  let text = '';
  const entities: FixtureEntity[] = [];
  for (const p of parts) {
    if (typeof p === 'string') text += p;
    else {
      entities.push({ category: p[0], value: p[1], start: text.length, end: text.length + p[1].length });
      text += p[1];
    }
  }
  return { text, entities };
}

function add(kind: 'positive' | 'negative', tag: string, note: string, parts: readonly Part[]): void {
  const n = (counters.get(tag) ?? 0) + 1;
  counters.set(tag, n);
  cases.push({
    id: `${kind === 'positive' ? 'pos' : 'neg'}-${tag}-${String(n).padStart(3, '0')}`,
    kind,
    note,
    ...build(parts),
  });
}

const FRAMES: readonly (readonly [string, string])[] = [
  ['Please contact me at ', '.'],
  ['My details: ', ', thanks!'],
  ['', ' is the one I used last time'],
  ['Can you check whether ', ' looks right?'],
  ['Forwarding this from Anna — ', ' — she asked me to update the record.'],
  ['Le client a donné ', ' hier.'],
  ['Bitte prüfen: ', '\nDanke'],
  ['"value": "', '"'],
  ['(', ')'],
  ['- ', '\n- next item'],
];
function pos(category: string, tag: string, note: string, value: string): void {
  const [a, b] = g.pick(FRAMES);
  add('positive', tag, note, [a, [category, value], b]);
}
function neg(tag: string, note: string, text: string): void {
  add('negative', tag, note, [text]);
}

// ---- positives -------------------------------------------------------------------------------
const FIRST = [
  'john',
  'maria',
  'li.wei',
  'o.brien',
  'ana-sofia',
  'k.tanaka',
  'dev+alerts',
  'first.last',
  'x_y',
  'support',
];
const DOMAINS = [
  'example.com',
  'mail.example.org',
  'uni-heidelberg.de',
  'example.co.uk',
  'corp.example.io',
  'example.fr',
  'sub.domain.example.net',
];
for (let i = 0; i < 32; i++) {
  const local = g.pick(FIRST) + (i % 3 === 0 ? String(g.int(1, 99)) : '');
  const email = `${i % 7 === 0 ? local.toUpperCase() : local}@${g.pick(DOMAINS)}`;
  pos('email', 'email', 'email in a sentence', email);
}

const PHONE_FORMATS: readonly (readonly [string, () => string])[] = [
  ['UK intl', () => `+44 20 ${g.int(7000, 8999)} ${g.digits(4)}`],
  ['UK intl (0)', () => `+44 (0)20 ${g.int(7000, 8999)} ${g.digits(4)}`],
  ['UK mobile intl', () => `+44 7${g.digits(3)} ${g.digits(6)}`],
  ['US intl parens', () => `+1 (${g.int(201, 989)}) ${g.int(200, 999)}-${g.digits(4)}`],
  ['US intl dashes', () => `+1-${g.int(201, 989)}-${g.int(200, 999)}-${g.digits(4)}`],
  ['US intl dots', () => `+1.${g.int(201, 989)}.${g.int(200, 999)}.${g.digits(4)}`],
  ['US national parens', () => `(${g.int(201, 989)}) ${g.int(200, 999)}-${g.digits(4)}`],
  ['US national dashes', () => `${g.int(201, 989)}-${g.int(200, 999)}-${g.digits(4)}`],
  ['US toll free', () => `1-800-${g.int(200, 999)}-${g.digits(4)}`],
  ['UK 00 prefix', () => `0044 20 ${g.int(7000, 8999)} ${g.digits(4)}`],
  ['UK national', () => `020 ${g.int(7000, 8999)} ${g.digits(4)}`],
  ['UK mobile national', () => `07${g.digits(3)} ${g.digits(6)}`],
  ['DE intl', () => `+49 30 ${g.digits(8)}`],
  ['DE national', () => `030 ${g.digits(8)}`],
  ['DE mobile dashes', () => `+49 151-${g.digits(8)}`],
  ['FR intl', () => `+33 6 ${g.digits(2)} ${g.digits(2)} ${g.digits(2)} ${g.digits(2)}`],
  ['FR national', () => `06 ${g.digits(2)} ${g.digits(2)} ${g.digits(2)} ${g.digits(2)}`],
  ['FR dots', () => `01.${g.digits(2)}.${g.digits(2)}.${g.digits(2)}.${g.digits(2)}`],
  ['JP intl', () => `+81 3-${g.digits(4)}-${g.digits(4)}`],
  ['JP national', () => `03-${g.digits(4)}-${g.digits(4)}`],
  ['AU intl', () => `+61 2 ${g.digits(4)} ${g.digits(4)}`],
  ['AU national parens', () => `(02) ${g.digits(4)} ${g.digits(4)}`],
  ['IN intl', () => `+91 9${g.digits(4)} ${g.digits(5)}`],
  ['BR intl', () => `+55 11 9${g.digits(4)}-${g.digits(4)}`],
  ['CN intl', () => `+86 10 ${g.digits(4)} ${g.digits(4)}`],
  ['ES 0034', () => `0034 91 ${g.digits(3)} ${g.digits(2)} ${g.digits(2)}`],
  ['NL national', () => `020-${g.digits(3)} ${g.digits(4)}`],
  ['IT intl', () => `+39 06 ${g.digits(4)} ${g.digits(4)}`],
  ['E164 compact', () => `+4420${g.int(7000, 8999)}${g.digits(4)}`],
  ['CH intl', () => `+41 44 ${g.digits(3)} ${g.digits(2)} ${g.digits(2)}`],
];
for (let i = 0; i < 60; i++) {
  const [note, make] = PHONE_FORMATS[i % PHONE_FORMATS.length];
  pos('phone', 'phone', note, make());
}

const CARD_BRANDS: readonly (readonly [string, () => string, number])[] = [
  ['visa 16', () => '4' + g.digits(5), 16],
  ['visa 13', () => '4' + g.digits(5), 13],
  ['visa 19', () => '4' + g.digits(5), 19],
  ['mastercard 5x', () => String(g.int(51, 55)), 16],
  ['mastercard 2-series', () => String(g.int(2221, 2720)), 16],
  ['amex', () => g.pick(['34', '37']), 15],
  ['discover 6011', () => '6011', 16],
  ['discover 65', () => '65', 16],
  ['diners 36', () => '36', 14],
  ['diners 30x', () => String(g.int(300, 305)), 14],
  ['jcb', () => String(g.int(3528, 3589)), 16],
  ['unionpay', () => '62' + String(g.int(2126, 2925)), 16],
  ['maestro', () => g.pick(['5018', '5020', '5038', '6304', '6759']), 16],
  ['mir', () => String(g.int(2200, 2204)), 16],
];
for (let i = 0; i < 56; i++) {
  const [brand, prefix, length] = CARD_BRANDS[i % CARD_BRANDS.length];
  const sep = ['', ' ', '-', ' '][Math.floor(i / CARD_BRANDS.length) % 4];
  pos(
    'card',
    'card',
    `${brand} ${sep === '' ? 'plain' : sep === ' ' ? 'spaced' : 'dashed'}`,
    groupCard(cardNumber(g, prefix(), length), sep),
  );
}

const COUNTRIES = Object.keys(IBAN_FORMATS);
for (let i = 0; i < 48; i++) {
  const cc = COUNTRIES[i % COUNTRIES.length];
  const v = iban(g, cc);
  pos('iban', 'iban', `${cc} ${i % 2 === 0 ? 'spaced' : 'compact'}`, i % 2 === 0 ? spaceIban(v) : v);
}

for (let i = 0; i < 30; i++) {
  let area = g.int(1, 899);
  if (area === 666) area = 667;
  const s = `${String(area).padStart(3, '0')}-${String(g.int(1, 99)).padStart(2, '0')}-${String(g.int(1, 9999)).padStart(4, '0')}`;
  if (i % 5 === 4) add('positive', 'ssn', 'labelled SSN', ['SSN: ', ['ssn', s], ' (employee record)']);
  else pos('ssn', 'ssn', i % 5 === 3 ? 'spaced' : 'dashed', i % 5 === 3 ? s.replace(/-/g, ' ') : s);
}

const v4 = (): string => `${g.int(1, 223)}.${g.int(0, 255)}.${g.int(0, 255)}.${g.int(1, 254)}`;
const h4 = (): string => g.chars(g.int(1, 4), HEX).replace(/^0+(?=.)/, '');
const IP_FORMATS: readonly (readonly [string, () => string])[] = [
  ['ipv4', v4],
  ['ipv4 private', () => `192.168.${g.int(0, 255)}.${g.int(1, 254)}`],
  ['ipv4 10/8', () => `10.${g.int(0, 255)}.${g.int(0, 255)}.${g.int(0, 255)}`],
  ['ipv6 full', () => Array.from({ length: 8 }, h4).join(':')],
  ['ipv6 compressed', () => `2001:db8::${h4()}:${h4()}`],
  ['ipv6 link-local', () => `fe80::${h4()}:${h4()}:${h4()}:${h4()}`],
  ['ipv6 loopback', () => '::1'],
  ['ipv6 mapped v4', () => `::ffff:${v4()}`],
];
for (let i = 0; i < 32; i++) {
  const [note, make] = IP_FORMATS[i % IP_FORMATS.length];
  pos('ip', 'ip', note, make());
}

// Secrets of every kind.
const mixed = (n: number): string => {
  let s = g.chars(n - 3, ALNUM);
  s =
    s.slice(0, 2) +
    String(g.int(0, 9)) +
    s.slice(2) +
    g.pick(UPPER.split('')) +
    g.pick('abcdefghijklmnopqrstuvwxyz'.split(''));
  return s;
};
for (let i = 0; i < 12; i++) {
  const key =
    ['sk-', 'sk-proj-', 'sk-svcacct-'][i % 3] +
    (i % 3 === 0 ? mixed(48) : mixed(40) + '_' + mixed(30) + '-' + mixed(20));
  pos('openai_key', 'openai', ['legacy', 'project', 'service account'][i % 3], key);
}
for (let i = 0; i < 10; i++)
  pos(
    'anthropic_key',
    'anthropic',
    'api03',
    `sk-ant-${i % 2 ? 'api03' : 'admin01'}-${mixed(86)}-${g.chars(6, ALNUM)}AA`,
  );
for (let i = 0; i < 10; i++)
  pos('aws_key', 'aws', 'access key id', `${g.pick(['AKIA', 'ASIA'])}${g.chars(16, UPPER + '234567')}`);
for (let i = 0; i < 6; i++) {
  const secret = g.chars(40, ALNUM + '/+');
  const label = g.pick([
    'aws_secret_access_key = ',
    'AWS_SECRET_ACCESS_KEY=',
    '"SecretAccessKey": "',
    'aws secret key: ',
  ]);
  add('positive', 'aws', 'labelled secret key', ['config:\n', label, ['aws_key', secret], '\n']);
}
for (let i = 0; i < 12; i++) {
  const token =
    i % 6 === 5
      ? `github_pat_${g.chars(22, ALNUM)}_${g.chars(59, ALNUM)}`
      : `${['ghp', 'gho', 'ghu', 'ghs', 'ghr'][i % 6]}_${g.chars(36, ALNUM)}`;
  pos('github_token', 'github', token.slice(0, 4), token);
}
for (let i = 0; i < 8; i++)
  pos(
    'stripe_key',
    'stripe',
    ['sk_live', 'rk_live', 'sk_test', 'rk_test'][i % 4],
    `${['sk_live_', 'rk_live_', 'sk_test_', 'rk_test_'][i % 4]}${g.digits(2)}${g.chars(22, ALNUM)}`,
  );
for (let i = 0; i < 6; i++) {
  const kind = ['RSA ', 'EC ', '', 'OPENSSH ', 'ENCRYPTED ', 'DSA '][i];
  const body = Array.from({ length: g.int(2, 5) }, () => g.chars(64, ALNUM + '+/')).join('\n');
  const pem = `-----BEGIN ${kind}PRIVATE KEY-----\n${body}\n-----END ${kind}PRIVATE KEY-----`;
  add('positive', 'pem', `${kind || 'PKCS8 '}pem`, [
    'Here is the key file:\n',
    ['private_key', pem],
    '\nCan you tell me what is wrong?',
  ]);
}
for (let i = 0; i < 10; i++) {
  const header = g.pick([
    { alg: 'HS256', typ: 'JWT' },
    { alg: 'RS256', kid: g.chars(8, HEX) },
    { typ: 'JWT', alg: 'ES256' },
  ]);
  const payload = { sub: g.digits(10), name: 'Test User', iat: 1700000000 + g.int(0, 9999999) };
  pos('jwt', 'jwt', String(header.alg), `${b64json(header)}.${b64json(payload)}.${g.chars(43, B64URL)}`);
}

// Several per text.
for (let i = 0; i < 14; i++) {
  const email = `${g.pick(FIRST)}@${g.pick(DOMAINS)}`;
  const phone = PHONE_FORMATS[g.int(0, PHONE_FORMATS.length - 1)][1]();
  const card = groupCard(cardNumber(g, '4' + g.digits(3), 16), ' ');
  const ib = spaceIban(iban(g, g.pick(COUNTRIES)));
  add('positive', 'multi', 'several entities', [
    'Customer record — email: ',
    ['email', email],
    '; phone: ',
    ['phone', phone],
    '; card on file ',
    ['card', card],
    '; refunds to ',
    ['iban', ib],
    ' from host ',
    ['ip', v4()],
    '.',
  ]);
}

// ---- hard negatives --------------------------------------------------------------------------
const NEGATIVES: readonly (readonly [string, () => string])[] = [
  ['order number', () => `Your order #${g.digits(3)}-${g.digits(7)}-${g.digits(7)} has shipped.`],
  ['order number context', () => `Order no. 0${g.int(1, 9)}${g.digits(2)} ${g.digits(3)} ${g.digits(4)} was cancelled`],
  ['order id', () => `ORD-${g.int(2019, 2026)}-${g.digits(6)} is ready for pickup`],
  ['invoice', () => `Invoice INV/${g.int(2019, 2026)}/${g.digits(5)} totals $${g.int(10, 9999)}.${g.digits(2)}`],
  ['isbn-10', () => `ISBN 0-${g.digits(3)}-${g.digits(5)}-${g.pick(['X', g.digits(1)])}`],
  ['isbn-13', () => `ISBN 978-${g.digits(1)}-${g.digits(3)}-${g.digits(5)}-${g.digits(1)}`],
  ['isbn-13 plain', () => `ISBN-13: 978${g.digits(10)}`],
  [
    'uuid',
    () => `request id ${g.chars(8, HEX)}-${g.chars(4, HEX)}-4${g.chars(3, HEX)}-a${g.chars(3, HEX)}-${g.digits(12)}`,
  ],
  [
    'timestamp',
    () =>
      `at ${g.int(2019, 2026)}-${String(g.int(1, 12)).padStart(2, '0')}-${String(g.int(1, 28)).padStart(2, '0')}T${String(g.int(0, 23)).padStart(2, '0')}:${g.int(10, 59)}:${g.int(10, 59)}Z ` +
      `the job failed`,
  ],
  [
    'iso date time',
    () =>
      `${g.int(2019, 2026)}-0${g.int(1, 9)}-${g.int(10, 28)} ` +
      `${g.int(10, 23)}:${g.int(10, 59)}:${g.int(10, 59)} INFO started`,
  ],
  [
    'eu date time',
    () => `Meeting on 0${g.int(1, 9)}.0${g.int(1, 9)}.${g.int(2019, 2026)} 1${g.int(0, 9)}.${g.int(10, 59)} in room B`,
  ],
  ['us date', () => `Due ${String(g.int(1, 12)).padStart(2, '0')}/${g.int(10, 28)}/${g.int(2019, 2026)}`],
  ['version quad', () => `Upgrade to version ${g.int(1, 20)}.${g.int(0, 9)}.${g.int(0, 9)}.${g.int(0, 99)} tonight`],
  ['v-prefixed quad', () => `Released v${g.int(1, 9)}.${g.int(0, 12)}.${g.int(0, 9)}.${g.int(0, 9)} with fixes`],
  ['build quad', () => `firmware ${g.int(1, 9)}.${g.int(0, 9)}.${g.int(0, 9)}.${g.int(0, 250)} is installed`],
  ['semver', () => `bump to ${g.int(0, 9)}.${g.int(0, 30)}.${g.int(0, 30)}-rc.${g.int(1, 9)}+build.${g.digits(3)}`],
  [
    'price',
    () => `It costs $${g.int(1, 9)},${g.digits(3)}.${g.digits(2)} or €${g.int(1, 9)}.${g.digits(3)},${g.digits(2)}`,
  ],
  ['big number', () => `Population: ${g.int(1, 9)} ${g.digits(3)} ${g.digits(3)} ${g.digits(3)} people`],
  ['ups tracking', () => `Tracking 1Z${g.chars(6, UPPER + '0123456789')}${g.digits(10)}`],
  ['usps tracking', () => `USPS 9400 ${g.digits(4)} ${g.digits(4)} ${g.digits(4)} ${g.digits(4)} ${g.digits(2)}`],
  ['fedex tracking', () => `FedEx ${g.digits(4)} ${g.digits(4)} ${g.digits(4)}`],
  [
    'luhn-failing card',
    () => `card ${groupCard(breakLuhn(cardNumber(g, '4' + g.digits(3), 16)), g.pick([' ', '-', '']))}`,
  ],
  ['luhn-failing amex', () => `amex ${groupCard(breakLuhn(cardNumber(g, '37', 15)), ' ')}`],
  ['unknown IIN luhn-valid', () => `ref ${groupCard(cardNumber(g, String(g.int(10, 19)), 16), ' ')}`],
  ['iban bad checksum', () => spaceIban(breakIban(iban(g, g.pick(COUNTRIES)))) + ' was rejected'],
  ['iban bad length', () => `${iban(g, 'DE')}${g.digits(2)} looks wrong`],
  ['hex hash sha1', () => `commit ${g.chars(40, HEX)}`],
  ['hex hash sha256', () => `sha256: ${g.chars(64, HEX)}`],
  ['md5', () => `md5 ${g.chars(32, HEX)}`],
  ['product code', () => `SKU 0${g.int(1, 9)}${g.digits(2)}-${g.digits(3)}-${g.digits(4)} in stock`],
  ['part number', () => `Part no. 0${g.int(1, 9)}${g.digits(2)} ${g.digits(3)} ${g.digits(4)}`],
  [
    'invalid ssn area',
    () => `${g.pick(['000', '666', String(g.int(900, 999))])}-${g.int(10, 99)}-${g.int(1000, 9999)}`,
  ],
  [
    'invalid ssn group/serial',
    () => g.pick([`${g.int(100, 665)}-00-${g.int(1000, 9999)}`, `${g.int(100, 665)}-${g.int(10, 99)}-0000`]),
  ],
  ['bad octets', () => `host ${g.int(256, 999)}.${g.int(0, 255)}.${g.int(0, 255)}.${g.int(0, 255)} is invalid`],
  ['time', () => `at ${g.int(10, 23)}:${g.int(10, 59)}:${g.int(10, 59)} sharp`],
  ['mac address', () => `MAC ${Array.from({ length: 6 }, () => g.chars(2, '0123456789ABCDEF')).join(':')}`],
  ['coordinates', () => `GPS ${g.int(10, 60)}.${g.digits(4)}, -${g.int(0, 9)}.${g.digits(4)}`],
  ['oid', () => `OID 1.3.6.1.4.1.${g.digits(5)}.${g.int(1, 9)}`],
  [
    'short sk',
    () => `use sk-${g.pick(['learn', 'image', 'lite'])}-${g.pick(['docs', 'tutorial-page', 'examples'])} for that`,
  ],
  ['placeholder keys', () => `set OPENAI_API_KEY=sk-${'x'.repeat(g.int(20, 40))}`],
  ['stripe publishable', () => `pk_live_${g.digits(2)}${g.chars(22, ALNUM)}`],
  ['stripe placeholder', () => `sk_test_${'X'.repeat(24)}`],
  ['github short', () => `ghp_${g.chars(10, ALNUM)} is truncated`],
  ['aws example-like', () => `AKIA${g.chars(10, UPPER)} (truncated)`],
  ['dotted filename', () => `open archive.${g.pick(['tar.gz', 'min.js.map', 'config.local.json'])}`],
  ['non-jwt dots', () => `eyes.${g.chars(12, ALNUM)}.${g.chars(10, ALNUM)}`],
  ['jwt-shaped no alg', () => `${b64json({ typ: 'JWT' })}.${b64json({ sub: '1' })}.${g.chars(20, B64URL)}`],
  ['pem public key', () => `-----BEGIN PUBLIC KEY-----\n${g.chars(64, ALNUM)}\n-----END PUBLIC KEY-----`],
  [
    'email-like',
    () =>
      g.pick([`ping @${g.pick(FIRST)} on chat`, `user@localhost`, `name@ domain.com`, `foo@bar`, `${g.pick(FIRST)}@`]),
  ],
  ['local short number', () => `Extension ${g.int(100, 999)}-${g.digits(4)} or room ${g.digits(3)}`],
  ['math', () => `pi is 3.${g.digits(14)} and e is 2.${g.digits(12)}`],
  ['bank routing', () => `routing ${g.digits(9)} account ${g.digits(10)}`],
];
for (let i = 0; i < 320; i++) {
  const [note, make] = NEGATIVES[i % NEGATIVES.length];
  neg(note.replace(/[^a-z0-9]+/gi, '-'), note, make());
}

for (const h of HANDWRITTEN) add(h.kind, 'hand', h.note, h.parts);

const out = new URL('../test/fixtures/pii/cases.jsonl', import.meta.url);
writeFileSync(out, cases.map((c) => JSON.stringify(c)).join('\n') + '\n');
const positives = cases.filter((c) => c.kind === 'positive').length;
console.log(
  `wrote ${cases.length} cases (${positives} positive, ${cases.length - positives} negative) to ${out.pathname}`,
);
