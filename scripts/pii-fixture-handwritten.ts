// Hand-written tricky PII fixture cases (merged into cases.jsonl by generate-pii-fixtures.ts).

type Part = string | readonly [string, string];
export interface HandCase {
  kind: 'positive' | 'negative';
  note: string;
  parts: readonly Part[];
}

const P = (note: string, ...parts: Part[]): HandCase => ({ kind: 'positive', note, parts });
const N = (note: string, text: string): HandCase => ({ kind: 'negative', note, parts: [text] });

export const HANDWRITTEN: readonly HandCase[] = [
  P('email at sentence end', 'Write to ', ['email', 'jane.doe@example.com'], '.'),
  P('email in angle brackets', 'From: Jane <', ['email', 'jane@example.org'], '>'),
  P('email with plus and subdomain', 'alerts go to ', ['email', 'ops+pager@alerts.eu.example.com']),
  P('email in markdown link', '[mail me](mailto:', ['email', 'me@example.net'], ')'),
  P('two emails comma separated', ['email', 'a.b@example.com'], ',', ['email', 'c.d@example.com']),
  P('phone after colon', 'Tel:', ['phone', '+44 20 7946 0958']),
  P('phone in parentheses', 'Call me (', ['phone', '+1 415 555 0132'], ') after 6pm'),
  P('two phones with dash separator', 'Office ', ['phone', '020 7946 0958'], ' - mobile ', ['phone', '07700 900123']),
  P('phone with slash label', 'Phone/WhatsApp: ', ['phone', '+49 151 23456789']),
  P('us phone with dots', 'reach me on ', ['phone', '415.555.0132'], ' anytime'),
  P('card at line start', ['card', '4111 1111 1111 1111'], ' exp 12/29'),
  P('amex grouped', 'Amex ', ['card', '3782 822463 10005']),
  P('card then cvc', 'number ', ['card', '5555-5555-5555-4444'], ', cvc 123'),
  P('card in json', '{"pan":"', ['card', '4012888888881881'], '"}'),
  P('iban then bic', 'IBAN ', ['iban', 'GB82 WEST 1234 5698 7654 32'], ' BIC WESTGB2L'),
  P('iban followed by currency', 'pay to ', ['iban', 'DE89 3704 0044 0532 0130 00'], ' EUR 120'),
  P('iban norway shortest', ['iban', 'NO9386011117947'], ' is my account'),
  P('iban malta long', 'MT: ', ['iban', 'MT84MALT011000012345MTLCAST001S']),
  P('ssn labelled bare', 'Employee SSN: ', ['ssn', '219099999'], ' is on file'),
  P('ipv4 in url', 'http://', ['ip', '203.0.113.7'], ':8080/health'),
  P('ipv4 with cidr', 'allow ', ['ip', '198.51.100.14'], '/32'),
  P('ipv6 in brackets', 'connect to [', ['ip', '2001:db8:85a3::8a2e:370:7334'], ']:443'),
  P(
    'openai key in env line',
    'OPENAI_API_KEY=',
    ['openai_key', 'sk-proj-Q3x9Lm2Vb7Tn4Rk8Wp1Zs6Yd0Hc5Jf3Ga8Eu2Io7Nq4Lr9'],
    '\n',
  ),
  P('anthropic key in header', 'x-api-key: ', [
    'anthropic_key',
    'sk-ant-api03-Zx8Yw7Vu6Ts5Rq4Po3Nm2Lk1Ji0Hg9Fe8Dc7Ba6Zx5Yw4Vu3Ts2Rq1Po0-AbCdEfAA',
  ]),
  P('aws id and secret', 'id ', ['aws_key', 'AKIAIOSFODNN7EXAMPLE'], ' secret_access_key: ', [
    'aws_key',
    'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  ]),
  P(
    'github token in url',
    'https://',
    ['github_token', 'ghp_1A2b3C4d5E6f7G8h9I0jK1lM2nO3pQ4rS5tU'],
    '@github.com/org/repo.git',
  ),
  P('jwt in bearer header', 'Authorization: Bearer ', [
    'jwt',
    'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.' +
      'SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c',
  ]),
  P('stripe key in code', "stripe.api_key = '", ['stripe_key', 'sk_live_51HqLyjWDarjtT1zdp7dc9XyZ'], "'"),
  N('ISBN-13 hyphenated', 'The book (ISBN 978-3-16-148410-0) is out of print.'),
  N('ISBN-10 hyphenated', 'ISBN 0-306-40615-2'),
  N('uuid', 'id=123e4567-e89b-12d3-a456-426614174000'),
  N('version string', 'Running nginx/1.25.3 on Node v20.11.1'),
  N('ip-like version', 'Upgrade to version 10.0.19045.3803 of Windows'),
  N('v-prefixed ip-like', 'Tagged v1.2.3.4 yesterday'),
  N('date range', 'from 2024-01-15 to 2024-02-15'),
  N('price list', 'Total: 1 299,00 € (incl. 20 % VAT)'),
  N('semantic version', 'Requires ^18.2.0 || >=20.0.0-rc.1'),
  N('luhn-valid unknown prefix', 'Ticket 1234 5678 9012 3452 was closed'),
  N('zero card', 'Test with 0000 0000 0000 0000'),
  N('iban-like bad checksum', 'GB00 WEST 1234 5698 7654 32'),
  N('ssn invalid area 666', '666-12-3456'),
  N('ssn 9xx', 'ITIN 912-70-1234'),
  N('bare 9 digits no label', 'Reference 219099999 ok'),
  N('time range', '09:00-17:30 Monday to Friday'),
  N('cpp scope', 'use std::vector<int> and std::map'),
  N('python dict colons', "{'a':1, 'b':2}"),
  N('sk in prose', 'The sk-learn library and sk-8 skateboard'),
  N('ghp in prose', 'the ghp_ prefix marks a personal token'),
  N('jwt prose', 'A JWT looks like xxxxx.yyyyy.zzzzz'),
  N('public key block', '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----'),
  N('phone-like product code', 'Model 020-7946-0958-B ships in May'),
  N('order with hash', 'Order #0207 946 0958 is delayed'),
  N('tracking number', 'Tracking: 0207 9460 9581 (DHL)'),
  N('year list', 'In 2019 2020 2021 2022 the numbers grew'),
  N('decimal numbers', 'values 0.5 0.25 0.125 0.0625'),
  N('hex colour', 'color: #ff00aa; background: #123456'),
  N('email no tld', 'ssh admin@server01 and then run it'),
  N('ipv4 with leading zeros', 'mask 255.255.255.000 and 010.001.001.001'),
  N('too many octets', 'OID 2.5.4.10.1.2'),
  // Known limits, kept in the set so the measured figures stay honest (see docs/privacy.md).
  P('known limit: local number without area code', 'call me on ', ['phone', '555-0132']),
  P('known limit: unseparated national number', 'mobile ', ['phone', '07700900123'], ' after five'),
  P('known limit: vanity number', 'Order flowers at ', ['phone', '1-800-FLOWERS']),
  P('known limit: lower-case IBAN', 'iban ', ['iban', 'gb82west12345698765432']),
  P('known limit: card with dots', 'card ', ['card', '4111.1111.1111.1111']),
  P('known limit: unlabelled bare SSN', 'my number is ', ['ssn', '219099999']),
  N('known limit: browser version without keyword', 'Chrome 120.0.0.1 on Windows'),
  N('known limit: luhn-valid number with visa prefix', 'Loyalty id 4000 0000 0000 0002 earns points'),
  N('known limit: numbers in a table', 'Qty  | 020 7946 0958 | 12'),
];
