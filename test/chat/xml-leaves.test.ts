// XML pasted into a prompt or returned by a tool (a SOAP answer, FHIR in XML): values that are personal data by their
// element or attribute.

import { describe, expect, it } from 'vitest';
import { holdsXml, xmlSpans } from '../../src/chat/xml-leaves.js';
import { spanLeaves } from '../../src/chat/span-leaves.js';
import { reidentify } from '../../src/privacy/index.js';
import { protectedAsPlainText, protectOne } from './shape-helpers.js';

const SOAP = [
  '<?xml version="1.0" encoding="UTF-8"?>',
  '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>',
  '  <ns:GetCustomerResponse xmlns:ns="urn:crm">',
  '    <ns:FirstName>Maria</ns:FirstName>',
  '    <ns:LastName>Gonzalez</ns:LastName>',
  '    <ns:DateOfBirth>1985-03-14</ns:DateOfBirth>',
  '    <ns:SSN>123456789</ns:SSN>',
  '    <ns:Street>Dickens Gate</ns:Street><ns:ZipCode>28013</ns:ZipCode><ns:City>Madrid</ns:City>',
  '    <!-- <ns:Note>left as a comment</ns:Note> -->',
  '    <ns:Note><![CDATA[Call her on +44 20 7946 0958 <urgent>]]></ns:Note>',
  '  </ns:GetCustomerResponse>',
  '</soap:Body></soap:Envelope>',
].join('\n');

describe('XML', () => {
  it.each([
    ['a tool result', { role: 'tool', toolCallId: 'c1', content: SOAP }],
    ['a user prompt', { role: 'user', content: `Why is this answer empty?\n\n${SOAP}` }],
  ] as const)('protects names, birth dates, SSNs, streets and postcodes by their element in %s', (_, message) => {
    const { text, mapping } = protectOne(message);
    for (const [element, placeholder] of [
      ['FirstName', 'PERSON_1'],
      ['LastName', 'PERSON_2'],
      ['DateOfBirth', 'DATE_OF_BIRTH_1'],
      ['SSN', 'SSN_1'],
      ['Street', 'ADDRESS_1'],
      ['ZipCode', 'ADDRESS_2'],
    ])
      expect(text).toContain(`<ns:${element}>[${placeholder}]</ns:${element}>`);
    expect(text).toContain('<ns:City>Madrid</ns:City>');
    expect(text).toContain('<![CDATA[Call her on [PHONE_1] <urgent>]]>');
    expect(reidentify(text, mapping)).toBe(message.content);
  });

  it('reads FHIR’s value attributes after their element, other attributes after their own name, entities decoded', () => {
    const fhir = [
      '<Patient xmlns="http://hl7.org/fhir">',
      '  <name><family value="Kowalczyk"/><given value="Agnieszka"/></name>',
      '  <birthDate value="1985-03-14"/>',
      '  <address><postalCode value="NW1 6XE"/></address>',
      '</Patient>',
      '<person first-name="Sam" surname="O&apos;Brien" id="p1"/>',
    ].join('\n');
    const { text, mapping } = protectOne({ role: 'user', content: fhir });
    expect(text).toBe(
      [
        '<Patient xmlns="http://hl7.org/fhir">',
        '  <name><family value="[PERSON_1]"/><given value="[PERSON_2]"/></name>',
        '  <birthDate value="[DATE_OF_BIRTH_1]"/>',
        '  <address><postalCode value="[ADDRESS_1]"/></address>',
        '</Patient>',
        '<person first-name="[PERSON_3]" surname="[PERSON_4]" id="p1"/>',
      ].join('\n'),
    );
    // The guard read `O'Brien`; it is restored as the text it read.
    expect(mapping['[PERSON_4]']).toBe("O'Brien");
  });

  it.each([
    '<p>Hello <b>Maria Gonzalez</b>, call me at +44 20 7946 0958.</p>',
    '<div class="card"><h2>Release Train</h2><a href="https://example.com/a">Docs</a></div>',
    '<ul>\n  <li>Display Name</li>\n  <li>My name is Jonathan Whitfield</li>\n</ul>',
    'if (a < b && c > d) { return x </ y; }',
    '<Button onClick={save}>Save Draft</Button> <br/>',
  ])('protects %j as the text it is (HTML names no personal data)', (text) => {
    expect(protectOne({ role: 'user', content: text }).text).toBe(protectedAsPlainText(text));
  });

  it('puts the text back as written, and knows XML by an element holding text or a quoted attribute', () => {
    const leaves = spanLeaves(
      SOAP,
      xmlSpans(SOAP, (key) => `${key}: `),
    )!;
    expect(leaves.values.join('')).toBe(SOAP);
    expect(leaves.rebuild(leaves.values)).toBe(SOAP);
    expect(holdsXml('<name>b</name>')).toBe(true);
    expect(holdsXml('<p>b</p>')).toBe(false);
    expect(holdsXml('<family value="Lee"/>')).toBe(true);
    expect(holdsXml('a < b and c > d')).toBe(false);
    expect(holdsXml('<br/> and <hr />')).toBe(false);
    expect(holdsXml('<a>b</c>')).toBe(false);
  });
});
