// Personal data in JSON and XML records (tool arguments, tool results, prompts) and in the rows of text tables (tool
// results) and SQL INSERTs (prompts), measured on seeded fake records that the recognizers were not written from:
// every member is personal data by its meaning (a positive) or not (a negative), with its key written in camel, snake
// or Pascal case. A positive counts as caught when its value no longer reaches the provider; a negative as a false
// positive when its value was changed. Every record must stay valid JSON (a number replaced in the raw text would not
// be).

import { allFakers, type Faker } from '@faker-js/faker';
import { describe, expect, it } from 'vitest';
import { protectShapes } from '../../src/chat/protect-shapes.js';
import type { ChatMessage } from '../../src/domain/index.js';
import { createPrivacyFilter } from '../../src/privacy/index.js';
import { validId } from '../../scripts/privacy-eval-ids.js';

const SEED = 20261207;
const RECORDS_PER_LOCALE = 60;
const LOCALES = ['en_US', 'en_GB', 'de', 'nl', 'fr', 'es', 'it'];

type Field = [key: string, value: string | number, personal: boolean];

const pad = (n: number): string => String(n).padStart(2, '0');

/** A US SSN that the SSA may issue, as nine bare digits. */
function ssn(f: Faker): string {
  const area = f.number.int({ min: 1, max: 899 });
  return `${String(area === 666 ? 667 : area).padStart(3, '0')}${pad(f.number.int({ min: 1, max: 99 }))}${String(f.number.int({ min: 1, max: 9999 })).padStart(4, '0')}`;
}

/** One customer record: its members in a fixed order, each marked personal or not. */
function record(f: Faker): Field[] {
  const first = f.person.firstName();
  const last = f.person.lastName();
  const born = f.date.birthdate({ mode: 'age', min: 18, max: 90 });
  const created = f.date.past({ years: 3 });
  const dob = f.helpers.arrayElement([
    `${born.getUTCFullYear()}-${pad(born.getUTCMonth() + 1)}-${pad(born.getUTCDate())}`,
    `${pad(born.getUTCDate())}/${pad(born.getUTCMonth() + 1)}/${born.getUTCFullYear()}`,
    `${pad(born.getUTCDate())}.${pad(born.getUTCMonth() + 1)}.${born.getUTCFullYear()}`,
  ]);
  return [
    ['first name', first, true],
    ['last name', last, true],
    ['full name', `${first} ${last}`, true],
    ['email', f.internet.email({ firstName: first, lastName: last }).toLowerCase(), true],
    ['street address', f.location.streetAddress(), true],
    ['home address', `${f.location.streetAddress()}, ${f.location.zipCode()} ${f.location.city()}`, true],
    ['date of birth', dob, true],
    ['ssn', f.datatype.boolean() ? Number(ssn(f)) : ssn(f), true],
    ['passport number', `${f.string.alpha({ length: 2, casing: 'upper' })}${f.string.numeric(7)}`, true],
    ['tax id', validId(f, 'steuer_id').replace(/ /g, ''), true],
    ['bsn', validId(f, 'bsn').replace(/\./g, ''), true],
    ['order id', f.number.int({ min: 100_000_000, max: 999_999_999 }), false],
    ['created at', created.toISOString().slice(0, 10), false],
    ['updated at', `${pad(created.getUTCDate())}/${pad(created.getUTCMonth() + 1)}/${created.getUTCFullYear()}`, false],
    ['status', f.helpers.arrayElement(['Shipped', 'Pending', 'Cancelled', 'On Hold']), false],
    ['product name', f.commerce.productName(), false],
    ['file name', `${f.commerce.productName()} Q${f.number.int({ min: 1, max: 4 })}.pdf`, false],
    ['amount', f.number.float({ min: 1, max: 5000, fractionDigits: 2 }), false],
    ['sku', `SKU-${f.string.numeric(6)}`, false],
    ['version', f.system.semver(), false],
    ['display name', f.helpers.arrayElement(['Build Bot', 'Support Desk', 'Release Train', 'Nightly Job']), false],
    // An address split over members: the street alone and the postcode alone are parts of it.
    ['street', f.location.street(), true],
    ['zip code', f.location.zipCode(), true],
  ];
}

const STYLES: Record<string, (words: string) => string> = {
  camel: (w) => w.replace(/ (\w)/g, (_, c: string) => c.toUpperCase()),
  snake: (w) => w.replace(/ /g, '_'),
  pascal: (w) => w.replace(/(?:^| )(\w)/g, (_, c: string) => c.toUpperCase()),
};

interface Tally {
  caught: number;
  of: number;
}

type Tallies = Map<string, Tally & { personal: boolean }>;

function count(tallies: Tallies, fields: Field[], sentValueOf: (key: string) => string): void {
  for (const [key, value, personal] of fields) {
    const t = tallies.get(key) ?? { caught: 0, of: 0, personal };
    const after = sentValueOf(key);
    t.of++;
    if (personal ? !after.includes(String(value)) : after !== String(value)) t.caught++;
    tallies.set(key, t);
  }
}

/** How a form writes a member's name: `Date of birth`, `Date Of Birth`. */
const FORM_STYLES = [
  (w: string): string => w[0].toUpperCase() + w.slice(1),
  (w: string): string => w.replace(/(?:^| )(\w)/g, (c: string) => c.toUpperCase()),
];

/**
 * Per member: how many of its values were protected (positives) or changed (negatives). As JSON, each record is one
 * tool result or one call's arguments; as XML, one tool result or prompt; as a table or an SQL INSERT, the 60 records
 * of a locale are the rows of one psql-style table or one statement; as a form, each record is a user's prompt of
 * `Name: value` lines.
 */
function measure(shape: 'json' | 'table' | 'form' | 'xml' | 'sql'): Tallies {
  const filter = createPrivacyFilter();
  const tallies: Tallies = new Map();
  const styles = Object.entries(STYLES);
  let n = 0;
  for (const locale of LOCALES) {
    const f = allFakers[locale as keyof typeof allFakers];
    f.seed(SEED + n);
    const rows: Field[][] = [];
    for (let r = 0; r < RECORDS_PER_LOCALE; r++, n++) {
      const [, style] = styles[n % styles.length];
      const fields = record(f);
      if (shape === 'table' || shape === 'sql') {
        rows.push(fields);
        continue;
      }
      if (shape === 'xml') {
        const xml = ['<customer>', ...fields.map(([k, v]) => `  <${style(k)}>${escapeXml(String(v))}</${style(k)}>`)];
        const text = [...xml, '</customer>'].join('\n');
        // Half as tool results, half pasted into a prompt.
        const message: ChatMessage =
          n % 2 === 0 ? { role: 'tool', toolCallId: 'c', content: text } : { role: 'user', content: `Why?\n${text}` };
        const sent = protectShapes(filter, [message], {}).messages[0].content;
        count(tallies, fields, (key) => unescapeXml(new RegExp(`<${style(key)}>(.*)</${style(key)}>`).exec(sent)![1]));
        continue;
      }
      if (shape === 'form') {
        const style = FORM_STYLES[n % FORM_STYLES.length];
        const prompt = ['Please update this customer:', ...fields.map(([k, v]) => `${style(k)}: ${v}`)].join('\n');
        const sent = protectShapes(filter, [{ role: 'user', content: prompt }], {}).messages[0].content.split('\n');
        expect(sent).toHaveLength(fields.length + 1);
        count(tallies, fields, (key) => sent[1 + fields.findIndex(([k]) => k === key)].slice(style(key).length + 2));
        continue;
      }
      const json = JSON.stringify(Object.fromEntries(fields.map(([k, v]) => [style(k), v])), null, n % 2 === 0 ? 2 : 0);
      // Half as tool results, half as the arguments of a call.
      const message: ChatMessage =
        n % 2 === 0
          ? { role: 'tool', toolCallId: 'c', content: json }
          : { role: 'assistant', content: '', toolCalls: [{ id: 'c', name: 'save', arguments: json }] };
      const out = protectShapes(filter, [message], {}).messages[0];
      const sent = JSON.parse(out.toolCalls?.[0].arguments ?? out.content) as Record<string, unknown>;
      count(tallies, fields, (key) => String(sent[style(key)]));
    }
    if (shape === 'table') {
      const [, style] = styles[LOCALES.indexOf(locale) % styles.length];
      const lines = [
        rows[0].map(([k]) => style(k)).join(' | '),
        rows[0].map(() => '---').join('-+-'),
        ...rows.map((fields) => fields.map(([, v]) => String(v)).join(' | ')),
        `(${rows.length} rows)`,
      ];
      const out = protectShapes(filter, [{ role: 'tool', toolCallId: 'c', content: lines.join('\n') }], {});
      const sent = out.messages[0].content.split('\n').slice(2, -1);
      expect(sent).toHaveLength(rows.length);
      rows.forEach((fields, r) => {
        const cells = sent[r].split(' | ');
        count(tallies, fields, (key) => cells[fields.findIndex(([k]) => k === key)]);
      });
    }
    if (shape === 'sql') {
      // One INSERT of the locale's 60 records, a row a line, pasted into a prompt.
      const [, style] = styles[LOCALES.indexOf(locale) % styles.length];
      const literal = (v: string | number): string =>
        typeof v === 'number' ? String(v) : `'${v.replace(/'/g, "''")}'`;
      const lines = [
        'Why does this fail?',
        `INSERT INTO customers (${rows[0].map(([k]) => style(k)).join(', ')}) VALUES`,
        ...rows.map(
          (fields, r) => `  (${fields.map(([, v]) => literal(v)).join(', ')})${r < rows.length - 1 ? ',' : ';'}`,
        ),
      ];
      const out = protectShapes(filter, [{ role: 'user', content: lines.join('\n') }], {});
      const sent = out.messages[0].content.split('\n').slice(2);
      expect(sent).toHaveLength(rows.length);
      rows.forEach((fields, r) => {
        const values = [...sent[r].matchAll(/'((?:[^']|'')*)'|[^\s,()';]+/g)].map((m) =>
          m[1] === undefined ? m[0] : m[1].replace(/''/g, "'"),
        );
        expect(values).toHaveLength(fields.length);
        count(tallies, fields, (key) => values[fields.findIndex(([k]) => k === key)]);
      });
    }
  }
  return tallies;
}

const escapeXml = (v: string): string => v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const unescapeXml = (v: string): string =>
  v
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&apos;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');

describe.each([
  ['JSON records (tool arguments and results)', 'json'],
  ['the rows of psql-style tables (tool results)', 'table'],
  ['forms pasted into a prompt (`Date of birth: 14/03/1985` lines)', 'form'],
  ['XML records (tool results and prompts)', 'xml'],
  ['the rows of an SQL INSERT pasted into a prompt', 'sql'],
] as const)('personal data in %s', (_what, shape) => {
  const tallies = measure(shape);
  const rate = (key: string): number => tallies.get(key)!.caught / tallies.get(key)!.of;

  it('measures 420 records with keys in three styles', () => {
    expect(tallies.get('email')!.of).toBe(420);
  });

  // Values that are personal data only after their label: the key is that label.
  it.each(['first name', 'last name', 'full name', 'date of birth', 'ssn', 'passport number', 'tax id', 'bsn'])(
    'protects %s with recall >= 0.9',
    (key) => {
      expect(rate(key), `${key}: ${JSON.stringify(tallies.get(key))}`).toBeGreaterThanOrEqual(0.9);
    },
  );

  // Read after the address cue (`home address: …`), or as a form's street or postcode field (`street name: …`).
  it.each(['street address', 'home address', 'street', 'zip code'])('protects %s with recall >= 0.95', (key) => {
    expect(rate(key), `${key}: ${JSON.stringify(tallies.get(key))}`).toBeGreaterThanOrEqual(0.95);
  });

  it('protects every email address', () => {
    expect(rate('email')).toBe(1);
  });

  it.each(['order id', 'created at', 'updated at', 'status', 'amount', 'sku', 'version', 'display name'])(
    'leaves %s alone',
    (key) => {
      expect(rate(key), `${key}: ${JSON.stringify(tallies.get(key))}`).toBe(0);
    },
  );

  // A table is one text: a family name found in one row is replaced wherever it stands alone, so the 180 names of a
  // table's 60 rows reach into product names (`Poisson Petit en Bronze`, Petit being a French family name).
  const most = shape === 'json' ? 0.05 : 0.15;
  it.each(['product name', 'file name'])(`changes at most ${most * 100}% of %s values`, (key) => {
    expect(rate(key), `${key}: ${JSON.stringify(tallies.get(key))}`).toBeLessThanOrEqual(most);
  });
});
