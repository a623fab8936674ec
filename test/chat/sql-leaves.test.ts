// SQL INSERT statements pasted into a prompt or returned by a tool: values that are personal data by their column.

import { describe, expect, it } from 'vitest';
import { holdsSqlInsert, sqlInsertSpans } from '../../src/chat/sql-leaves.js';
import { spanLeaves } from '../../src/chat/span-leaves.js';
import { reidentify } from '../../src/privacy/index.js';
import { protectedAsPlainText, protectOne } from './shape-helpers.js';

describe('SQL INSERT statements', () => {
  const INSERT =
    'Why does this fail?\n' +
    "INSERT INTO customers (first_name, last_name, dob, ssn, zip) VALUES ('Maria', 'Gonzalez', '1985-03-14', " +
    "'123456789', '28013');";

  it.each([
    ['a user prompt', { role: 'user', content: INSERT }],
    ['a tool result', { role: 'tool', toolCallId: 'c1', content: INSERT }],
  ] as const)('protects the values of name, birth date, SSN and postcode columns in %s', (_, message) => {
    const { text, mapping } = protectOne(message);
    expect(text).toBe(
      'Why does this fail?\n' +
        "INSERT INTO customers (first_name, last_name, dob, ssn, zip) VALUES ('[PERSON_1]', '[PERSON_2]', " +
        "'[DATE_OF_BIRTH_1]', '[SSN_1]', '[ADDRESS_1]');",
    );
    expect(reidentify(text, mapping)).toBe(INSERT);
  });

  it('reads several rows, quoted names, typed literals and casts, and doubled quotes', () => {
    const sql = [
      'insert into public."Patients" ("Full Name", birth_date, street, postcode) values',
      "  ('Jonathan Whitfield', DATE '1985-03-14', '42 Baker Street', 'NW1 6XE'),",
      "  (N'Anna O''Brien', '1990-01-02'::date, 'Dickens Gate', 'LS1 4AP');",
      "INSERT INTO notes (author, body) VALUES ('Sam', 'It''s fine, call +44 20 7946 0958');",
    ].join('\n');
    const { text, mapping } = protectOne({ role: 'user', content: sql });
    expect(text).toBe(
      [
        'insert into public."Patients" ("Full Name", birth_date, street, postcode) values',
        "  ('[PERSON_1]', DATE '[DATE_OF_BIRTH_1]', '[ADDRESS_1]', '[ADDRESS_2]'),",
        "  (N'[PERSON_2]', '[DATE_OF_BIRTH_2]'::date, '[ADDRESS_3]', '[ADDRESS_4]');",
        // `author` names no person's name: its value stands; the body is scanned as text, its quotes kept doubled.
        "INSERT INTO notes (author, body) VALUES ('Sam', 'It''s fine, call [PHONE_1]');",
      ].join('\n'),
    );
    // The name was read as `Anna O'Brien` and is restored with its quote doubled again.
    expect(mapping['[PERSON_2]']).toBe("Anna O'Brien");
    expect(reidentify(text, mapping)).toBe(sql.replace("N'Anna O''Brien'", "N'Anna O'Brien'"));
  });

  it('labels only rows whose values match the columns, and only literals', () => {
    const labelled = (sql: string): string[] => {
      const leaves = spanLeaves(
        sql,
        sqlInsertSpans(sql, (key) => `${key}: `),
      );
      return leaves ? leaves.values.filter((_, k) => leaves.prefixes[k] !== '') : [];
    };
    expect(
      labelled("INSERT INTO t (ssn, dob) VALUES (123456789, now()), ('1', '2', '3'), (NULL, '1985-03-14')"),
    ).toEqual(['123456789', '1985-03-14']);
    expect(labelled("INSERT INTO t VALUES ('123456789')")).toEqual([]);
    expect(labelled("INSERT INTO t (ssn) VALUES ('123456789'")).toEqual([]);
    expect(labelled('INSERT INTO t (ssn) SELECT ssn FROM u')).toEqual([]);
    // Every leaf, labelled or not, together is the text: nothing escapes the guard.
    const sql = "x INSERT INTO t (a, b) VALUES ('1', 2) y";
    const leaves = spanLeaves(
      sql,
      sqlInsertSpans(sql, (key) => `${key}: `),
    )!;
    expect(leaves.values.join('')).toBe(sql);
    expect(leaves.rebuild(leaves.values)).toBe(sql);
  });

  it.each([
    'Please insert into the form your name, Maria Gonzalez, and 123456789.',
    "INSERT INTO users VALUES (1, 'Maria Gonzalez', '1985-03-14', '123456789');",
    "INSERT INTO t (a, b) VALUES (now(), NULL), ('x', 'y'",
  ])('protects %j as the plain text it is', (text) => {
    expect(protectOne({ role: 'user', content: text }).text).toBe(protectedAsPlainText(text));
  });

  it('looks for a statement only in a text that says INSERT', () => {
    expect(holdsSqlInsert(INSERT)).toBe(true);
    expect(holdsSqlInsert('insert  into t')).toBe(true);
    expect(holdsSqlInsert('INSERT OR REPLACE INTO t')).toBe(true);
    expect(holdsSqlInsert('Insert the key into the lock')).toBe(false);
    expect(holdsSqlInsert('SELECT * FROM customers')).toBe(false);
  });
});
