// Builds test/privacy/eval/cases.jsonl: the labelled privacy evaluation set (seeded faker data in hand-written
// sentences, plus hard negatives).
// Usage: npx tsx scripts/generate-privacy-eval.ts

import { writeFileSync } from 'node:fs';
import { allFakers, type Faker } from '@faker-js/faker';
import { ID_KINDS, CHECKSUM_KINDS, invalidId, validId } from './privacy-eval-ids.js';
import {
  ADDRESS_TEMPLATES,
  BRANDS,
  BRAND_TEMPLATES,
  DOB_TEMPLATES,
  HARD_NEGATIVES,
  ID_TEMPLATES,
  PASSPORT_TEMPLATES,
  PERSON_TEMPLATES,
  TITLES,
} from './privacy-eval-templates.js';

const SEED = 20261206;
interface Entity {
  category: string;
  start: number;
  end: number;
  value: string;
  kind?: string;
}
interface Case {
  id: string;
  lang: string;
  kind: 'positive' | 'negative';
  text: string;
  entities: Entity[];
  note: string;
}

const cases: Case[] = [];
const LOCALES: Record<string, string[]> = {
  en: ['en_US', 'en_GB'],
  de: ['de'],
  fr: ['fr'],
  es: ['es'],
  it: ['it'],
  nl: ['nl'],
  sv: ['sv'],
  nb: ['nb_NO'],
  da: ['da'],
  fi: ['fi'],
  ru: ['ru'],
  el: ['el'],
};
const fakerFor = (locale: string): Faker => {
  const f = allFakers[locale as keyof typeof allFakers];
  f.seed(SEED + locale.length * 7919 + locale.charCodeAt(0));
  return f;
};

/** Fills one `{slot}` of a template and records the entity span. */
function fill(
  template: string,
  slots: Record<string, { value: string; category?: string; kind?: string }>,
): { text: string; entities: Entity[] } {
  let text = '';
  const entities: Entity[] = [];
  const re = /\{(\w+)\}/g;
  let at = 0;
  for (let m = re.exec(template); m !== null; m = re.exec(template)) {
    text += template.slice(at, m.index);
    const slot = slots[m[1]];
    if (slot.category)
      entities.push({
        category: slot.category,
        start: text.length,
        end: text.length + slot.value.length,
        value: slot.value,
        ...(slot.kind ? { kind: slot.kind } : {}),
      });
    text += slot.value;
    at = m.index + m[0].length;
  }
  return { text: text + template.slice(at), entities };
}

function add(lang: string, kind: Case['kind'], filled: { text: string; entities: Entity[] }, note: string): void {
  cases.push({
    id: `${kind === 'positive' ? 'pos' : 'neg'}-${String(cases.length).padStart(4, '0')}`,
    lang,
    kind,
    ...filled,
    note,
  });
}

// Persons: 44 per language with Latin names, 20 per other script.
for (const [lang, locales] of Object.entries(LOCALES)) {
  const templates = PERSON_TEMPLATES[lang];
  const count = lang === 'ru' || lang === 'el' ? 20 : 44;
  for (let i = 0; i < count; i++) {
    const f = fakerFor(locales[i % locales.length]);
    f.seed(SEED + i * 31 + lang.charCodeAt(0));
    const first = f.person.firstName();
    const last = f.person.lastName();
    const template = templates[i % templates.length];
    const titles = TITLES[lang] ?? TITLES.en;
    const filled = template.includes('{title}')
      ? fill(template, { title: { value: f.helpers.arrayElement(titles) }, last: { value: last, category: 'person' } })
      : fill(template, { name: { value: `${first} ${last}`, category: 'person' } });
    add(lang, 'positive', filled, 'person');
  }
}

// Addresses: 40 per language that has templates.
for (const [lang, templates] of Object.entries(ADDRESS_TEMPLATES)) {
  const locales = LOCALES[lang];
  for (let i = 0; i < 40; i++) {
    const locale = locales[i % locales.length];
    const f = fakerFor(locale);
    f.seed(SEED + 1000 + i * 17 + lang.charCodeAt(1));
    const street = f.location.streetAddress(i % 5 === 4);
    let address = street;
    if (i % 3 !== 0) {
      if (locale === 'en_US')
        address =
          `${street}, ${f.location.city()}, ` +
          `${f.location.state({ abbreviated: true })} ${f.location.zipCode('#####')}`;
      else if (locale === 'en_GB') address = `${street}, ${f.location.city()} ${f.location.zipCode()}`;
      else address = `${street}, ${f.location.zipCode()} ${f.location.city()}`;
    }
    add(
      lang,
      'positive',
      fill(templates[i % templates.length], { address: { value: address, category: 'address' } }),
      'address',
    );
  }
}

// Dates of birth: 30 per language, written in that language's usual shapes.
for (const [lang, templates] of Object.entries(DOB_TEMPLATES)) {
  const f = fakerFor(LOCALES[lang][0]);
  for (let i = 0; i < 30; i++) {
    const d = f.date.birthdate({ mode: 'age', min: 18, max: 90 });
    const [dd, mm, yyyy] = [
      String(d.getDate()).padStart(2, '0'),
      String(d.getMonth() + 1).padStart(2, '0'),
      String(d.getFullYear()),
    ];
    const month = f.date.month({ context: true });
    const shapes: Record<string, string[]> = {
      en: [
        `${dd}/${mm}/${yyyy}`,
        `${month} ${d.getDate()}, ${yyyy}`,
        `${yyyy}-${mm}-${dd}`,
        `${d.getDate()} ${month} ${yyyy}`,
      ],
      de: [`${dd}.${mm}.${yyyy}`, `${d.getDate()}. ${month} ${yyyy}`],
      fr: [`${dd}/${mm}/${yyyy}`, `${d.getDate()} ${month} ${yyyy}`],
      es: [`${dd}/${mm}/${yyyy}`, `${d.getDate()} de ${month} de ${yyyy}`],
      it: [`${dd}/${mm}/${yyyy}`, `${d.getDate()} ${month} ${yyyy}`],
      nl: [`${dd}-${mm}-${yyyy}`, `${d.getDate()} ${month} ${yyyy}`],
      sv: [`${yyyy}-${mm}-${dd}`, `${d.getDate()} ${month} ${yyyy}`],
      da: [`${dd}.${mm}.${yyyy}`, `${d.getDate()}. ${month} ${yyyy}`],
      nb: [`${dd}.${mm}.${yyyy}`, `${d.getDate()}. ${month} ${yyyy}`],
    };
    const date = shapes[lang][i % shapes[lang].length];
    add(
      lang,
      'positive',
      fill(templates[i % templates.length], { date: { value: date, category: 'date_of_birth' } }),
      'date_of_birth',
    );
  }
}

// National ids: 40 valid per kind; 30 with a broken check digit per kind as negatives.
const idFaker = fakerFor('en_US');
for (const kind of ID_KINDS) {
  const templates = ID_TEMPLATES[kind];
  for (let i = 0; i < 40; i++)
    add(
      'id',
      'positive',
      fill(templates[i % templates.length], { id: { value: validId(idFaker, kind), category: 'national_id', kind } }),
      `national_id:${kind}`,
    );
  for (let i = 0; i < 30; i++)
    add(
      'id',
      'negative',
      fill(templates[i % templates.length], { id: { value: invalidId(idFaker, kind) } }),
      `invalid ${kind}${CHECKSUM_KINDS.includes(kind) ? ' (check digit)' : ''}`,
    );
}
for (let i = 0; i < 40; i++) {
  // Shapes in use: 9 digits (US, UK), 2 letters + 7 digits (IT, FR-like), the German C + 8 of [0-9CFGHJKLMNPRTVWXYZ].
  const value = idFaker.helpers.arrayElement([
    idFaker.string.numeric(9),
    `${idFaker.string.alpha({ length: 2, casing: 'upper' })}${idFaker.string.numeric(7)}`,
    `C${idFaker.string.fromCharacters('0123456789CFGHJKLMNPRTVWXYZ', 8)}`,
  ]);
  add(
    'id',
    'positive',
    fill(PASSPORT_TEMPLATES[i % PASSPORT_TEMPLATES.length], { id: { value, category: 'passport' } }),
    'passport',
  );
}

// Network identifiers and URLs with credentials.
for (let i = 0; i < 40; i++) {
  const f = idFaker;
  add(
    'en',
    'positive',
    fill(
      f.helpers.arrayElement([
        'The device {mac} keeps dropping off the network.',
        'Whitelist MAC {mac} on the router.',
        'arp shows {mac} for that host',
      ]),
      { mac: { value: f.internet.mac({ separator: f.helpers.arrayElement([':', '-']) }), category: 'mac' } },
    ),
    'mac',
  );
  add(
    'en',
    'positive',
    fill(
      f.helpers.arrayElement([
        'The server at {ip} refuses connections.',
        'Block {ip} in the firewall.',
        'ping6 {ip} times out',
      ]),
      { ip: { value: f.internet.ipv6(), category: 'ip' } },
    ),
    'ipv6',
  );
  const user = f.internet.username().replace(/[^\w.]/g, '');
  const secret = f.internet.password({ length: 12, pattern: /[A-Za-z0-9]/ });
  const token = f.string.alphanumeric(24);
  add(
    'en',
    'positive',
    f.datatype.boolean()
      ? fill('Why does git clone https://{cred}@git.example.com/team/repo.git fail?', {
          cred: { value: `${user}:${secret}`, category: 'url_credentials' },
        })
      : fill('This link stopped working: https://files.example.net/report.pdf?token={token}&dl=1', {
          token: { value: token, category: 'url_credentials' },
        }),
    'url_credentials',
  );
}

// Negatives: brands, hard-written prose and code, faker company names and catch phrases, dates and numbers without a
// birth cue.
for (const brand of BRANDS)
  for (const t of BRAND_TEMPLATES) add('en', 'negative', fill(t, { brand: { value: brand } }), 'brand');
for (const text of HARD_NEGATIVES) add('mixed', 'negative', { text, entities: [] }, 'hard negative');
for (const [lang, locales] of Object.entries(LOCALES)) {
  if (lang === 'ru' || lang === 'el') continue;
  const f = fakerFor(locales[0]);
  for (let i = 0; i < 75; i++) {
    const date = f.date.between({ from: '1990-01-01', to: '2030-12-31' });
    const d = `${String(date.getDate()).padStart(2, '0')}/${String(date.getMonth() + 1).padStart(2, '0')}/${date.getFullYear()}`;
    const texts = [
      `Compare the offers of ${f.company.name()} and ${f.company.name()}.`,
      `The meeting with the supplier is on ${d}.`,
      `Order ${f.string.numeric(8)} contains ${f.number.int({ min: 2, max: 40 })} ` +
        `items of ${f.commerce.productName()}.`,
      `Summarise the review of ${f.commerce.productName()} in ${f.location.country()}.`,
      `${f.company.catchPhrase()}.`,
    ];
    add(lang, 'negative', { text: texts[i % texts.length], entities: [] }, 'generated prose');
  }
}
const en = fakerFor('en_US');
for (let i = 0; i < 150; i++)
  add(
    'en',
    'negative',
    { text: `${en.hacker.phrase()} ${en.commerce.productDescription()}`, entities: [] },
    'generated prose',
  );

writeFileSync(
  new URL('../test/privacy/eval/cases.jsonl', import.meta.url),
  cases.map((c) => JSON.stringify(c)).join('\n') + '\n',
);
const pos = cases.filter((c) => c.kind === 'positive').length;
console.log(`${cases.length} cases: ${pos} positive, ${cases.length - pos} negative (seed ${SEED})`);
