// HL7 version 2 messages pasted into a prompt or returned by a tool: the fields that hold personal data by their place.

import { describe, expect, it } from 'vitest';
import { hl7Spans, holdsHl7 } from '../../src/chat/hl7-leaves.js';
import { spanLeaves } from '../../src/chat/span-leaves.js';
import { reidentify } from '../../src/privacy/index.js';
import { protectOne } from './shape-helpers.js';

// An admission (ADT^A01) as hospital systems send it: segments end at a carriage return.
const ADMISSION = [
  'MSH|^~\\&|EPIC|STMARYS|LAB|STMARYS|20240314120000||ADT^A01|MSG00001|P|2.5',
  'EVN|A01|20240314120000',
  'PID|1||123456^^^STMARYS^MR||Whitfield^Jonathan^A||19850314|M|||42 Baker Street^^London^^NW1 6XE^GBR' +
    '||+44 20 7946 0958|||||||123-45-6789',
  'NK1|1|Whitfield^Mary^^^Mrs|SPO|Keizersgracht 123^^Amsterdam^^1015 CJ^NLD|+31 20 555 0199',
  'PV1|1|I|W^389^1|||||004777^Kowalczyk^Agnieszka^^^Dr|||SUR',
  'OBX|1|TX|NOTE||Patient asked us to call her daughter on +44 7700 900123.',
].join('\r');

const PERSONAL = [
  'Whitfield',
  'Jonathan',
  '19850314',
  '42 Baker Street',
  'NW1 6XE',
  '123-45-6789',
  'Mary',
  'Keizersgracht 123',
  '1015 CJ',
  'Kowalczyk',
  'Agnieszka',
  '+44 20 7946 0958',
  '+31 20 555 0199',
  '+44 7700 900123',
];
// Neither finds anyone alone, or names no person: the hospital, the event, the sex, the towns, the ward.
const KEPT = ['MSH|^~\\&|EPIC|STMARYS|LAB|STMARYS|20240314120000||ADT^A01|MSG00001|P|2.5', '|M|||', 'London', 'SUR'];

describe('HL7 version 2 messages', () => {
  it.each([
    ['a user prompt', { role: 'user', content: `What does this admission say?\n${ADMISSION}` }],
    ['a tool result', { role: 'tool', toolCallId: 'c1', content: ADMISSION }],
  ] as const)('protects names, dates of birth, streets, postcodes, SSNs and phones by their field in %s', (_, m) => {
    const { text, mapping } = protectOne(m);
    for (const value of PERSONAL) expect(text, value).not.toContain(value);
    for (const value of KEPT) expect(text, value).toContain(value);
    // Every segment and field is where it was: only values were replaced.
    expect(text.split('\r').map((s) => s.split('|').length)).toEqual(
      ADMISSION.split('\r').map((s) => s.split('|').length),
    );
    expect(text).toMatch(
      /PID\|1\|\|123456\^\^\^STMARYS\^MR\|\|\[PERSON_\d+\]\^\[PERSON_\d+\]\^A\|\|\[DATE_OF_BIRTH_1\]\|M/,
    );
    expect(reidentify(text, mapping)).toBe(m.content);
  });

  it('reads segments ended by a line feed too, a v2.7 header, and a birth date with its time of day', () => {
    const message = 'MSH|^~\\&#|A|B|||20240314||ADT^A04|7|P|2.7\nPID|1||99^^^H^MR||Gonzalez^Maria||198503141230|F\n';
    const { text } = protectOne({ role: 'user', content: message });
    expect(text).toMatch(/^MSH\|\^~\\&#\|A\|B\|\|\|20240314\|\|ADT\^A04\|7\|P\|2\.7\n/);
    expect(text).toMatch(/PID\|1\|\|99\^\^\^H\^MR\|\|\[PERSON_\d\]\^\[PERSON_\d\]\|\|\[DATE_OF_BIRTH_1\]1230\|F\n$/);
  });

  it('labels only the fields of its table, repetitions and components included', () => {
    const text = 'MSH|^~\\&|A\rPID|1||7||Lee^Ann~Smith^Ann||x|||||||||||||999';
    const leaves = spanLeaves(
      text,
      hl7Spans(text, (key) => `${key}: `),
    )!;
    const labelled = leaves.values.filter((_, k) => leaves.prefixes[k] !== '');
    expect(labelled).toEqual(['Lee', 'Ann', 'Smith', 'Ann', 'x']);
    expect(leaves.prefixes.filter((p) => p !== '')).toEqual([
      'family name: ',
      'given name: ',
      'family name: ',
      'given name: ',
      'date of birth: ',
    ]);
    // The rest of the text is in the unlabelled leaves: nothing escapes the guard, and the text is rebuilt as written.
    expect(leaves.values.join('')).toBe(text);
    expect(leaves.rebuild(leaves.values)).toBe(text);
    expect(leaves.rebuild(leaves.values.map((v, k) => (leaves.prefixes[k] ? v.toUpperCase() : v)))).toBe(
      'MSH|^~\\&|A\rPID|1||7||LEE^ANN~SMITH^ANN||X|||||||||||||999',
    );
  });

  it('knows a message by its header', () => {
    expect(holdsHl7(ADMISSION)).toBe(true);
    expect(holdsHl7(`Pasted:\n${ADMISSION}`)).toBe(true);
    expect(holdsHl7('MSH|^~\\&|A')).toBe(true);
    expect(holdsHl7('The MSH|^~\\&| header')).toBe(false);
    expect(holdsHl7('MSH|a|b|c|d|')).toBe(false);
  });

  it.each([
    'We use HL7 MSH segments for admissions.',
    'MSH|^~\\&|A|B',
    'PID|1||7||Lee^Ann',
    '| MSH | PID |\n|-----|-----|\n| a | b |',
  ])('takes %j for no HL7 message with fields to read', (text) => {
    expect(
      spanLeaves(
        text,
        hl7Spans(text, () => ''),
      ),
    ).toBeUndefined();
  });
});
