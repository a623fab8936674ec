// Unit tests for each PII/secret detector and for overlap resolution.

import { describe, expect, it } from 'vitest';
import { DETECTORS, detect, resolveOverlaps } from '../../src/privacy/detectors/index.js';
import { firstMatch, luhnValid, ibanChecksumValid } from '../../src/privacy/detectors/util.js';
import type { Category, Match } from '../../src/privacy/types.js';

const values = (category: Category, text: string): string[] => DETECTORS[category].find(text).map((m) => m.value);

// The first-generation detectors; the scored recognizers (names, addresses, ids...) are in recognizers.test.ts.
const CASES: Partial<Record<Category, { hit: [string, string][]; miss: string[] }>> = {
  email: {
    hit: [
      ['Write to jane.doe@example.com.', 'jane.doe@example.com'],
      ['<ops+pager@alerts.eu.example.com>', 'ops+pager@alerts.eu.example.com'],
    ],
    miss: ['user@localhost', 'ping @maria', 'name@ example.com', 'a..b@example.com'],
  },
  phone: {
    hit: [
      ['Tel +44 20 7946 0958 today', '+44 20 7946 0958'],
      ['call +1 (415) 555-0132', '+1 (415) 555-0132'],
      ['0044 20 7946 0958', '0044 20 7946 0958'],
      ['office (415) 555-0132', '(415) 555-0132'],
      ['UK 020 7946 0958', '020 7946 0958'],
      ['FR 06 12 34 56 78', '06 12 34 56 78'],
      ['JP 03-1234-5678', '03-1234-5678'],
      ['en dash +1 (415) 555\u20130132', '+1 (415) 555\u20130132'],
      ['(0034 91 430 63 35)', '0034 91 430 63 35'],
      // National numbers without a trunk prefix, after a word for a phone.
      ['mi móvil es 612 34 56 78', '612 34 56 78'],
      ['il mio cellulare è 347 123 4567', '347 123 4567'],
      ['Call me at 347 123 4567 please', '347 123 4567'],
    ],
    miss: [
      'deadline 2024-01-15',
      'order 12345678901',
      'Order no. 0207 946 0958',
      'ISBN 0-306-40615-2',
      'v1.2.3',
      '010.001.001.001',
      'Meeting 05.06.2024 12.30',
      '123-45-6789',
      'Population 8 045 311 447',
      'The budget is 612 345 678 euros.',
      'the number 612 345 678 is large',
      'Call order number 612 345 678',
    ],
  },
  card: {
    hit: [
      ['visa 4111 1111 1111 1111 ok', '4111 1111 1111 1111'],
      ['mc 5555-5555-5555-4444', '5555-5555-5555-4444'],
      ['amex 378282246310005', '378282246310005'],
      ['amex 3782 822463 10005', '3782 822463 10005'],
      ['diners 3056 930902 5904', '3056 930902 5904'],
      // A security code after its cue is card data too.
      ['exp 12/27, CVV 123', '123'],
      ['CVC: 1234', '1234'],
      ['CVV2=5678', '5678'],
      ['security code 321', '321'],
      ['card verification value (CVV): 123', '123'],
      ['Kartenprüfnummer 456', '456'],
      ['cryptogramme visuel : 789', '789'],
      ['código de seguridad 321', '321'],
    ],
    miss: [
      '4111 1111 1111 1112',
      '0000 0000 0000 0000',
      '1234 5678 9012 3452',
      '4111 1111-1111 1111',
      '94001000000000000000000',
      'error code 1234',
      'zip code 1234',
      'we have 123 CVVs',
      'CID 1234',
    ],
  },
  iban: {
    hit: [
      ['IBAN GB82 WEST 1234 5698 7654 32 BIC', 'GB82 WEST 1234 5698 7654 32'],
      ['DE89370400440532013000 EUR', 'DE89370400440532013000'],
      ['NO9386011117947', 'NO9386011117947'],
    ],
    miss: ['GB00 WEST 1234 5698 7654 32', 'DE8937040044053201300012', 'XX89370400440532013000'],
  },
  ssn: {
    hit: [
      ['ssn 123-45-6789.', '123-45-6789'],
      ['SSN: 219099999', '219099999'],
      ['123 45 6789', '123 45 6789'],
    ],
    miss: ['000-12-3456', '666-12-3456', '912-70-1234', '123-00-4567', '123-45-0000', 'ref 219099999', '123-45-67890'],
  },
  ip: {
    hit: [
      ['host 192.168.1.10:8080', '192.168.1.10'],
      ['[2001:db8::1]', '2001:db8::1'],
      ['(::1)', '::1'],
      ['::ffff:192.0.2.1', '::ffff:192.0.2.1'],
    ],
    miss: ['v1.2.3.4', 'version 10.0.0.1', '256.1.1.1', '10:30:00', 'std::vector', '00:1A:2B:3C:4D:5E', '1.3.6.1.4.1'],
  },
  openai_key: {
    hit: [
      ['OPENAI_API_KEY=sk-proj-Q3x9Lm2Vb7Tn4Rk8Wp1Zs6Yd0Hc5Jf3Ga8Eu2', 'sk-proj-Q3x9Lm2Vb7Tn4Rk8Wp1Zs6Yd0Hc5Jf3Ga8Eu2'],
    ],
    miss: ['sk-learn-tutorial-pages-here', 'sk-xxxxxxxxxxxxxxxxxxxxxxxx', 'sk-ant-api03-Zx8Yw7Vu6Ts5Rq4Po3Nm2Lk1Ji0'],
  },
  anthropic_key: {
    hit: [['key sk-ant-api03-Zx8Yw7Vu6Ts5Rq4Po3Nm2Lk1Ji0-AA', 'sk-ant-api03-Zx8Yw7Vu6Ts5Rq4Po3Nm2Lk1Ji0-AA']],
    miss: ['sk-ant-short', 'sk-ant-xxxxxxxxxxxxxxxxxxxxxxxx'],
  },
  aws_key: {
    hit: [
      ['id AKIAIOSFODNN7EXAMPLE', 'AKIAIOSFODNN7EXAMPLE'],
      ['aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'],
    ],
    miss: ['AKIA1234', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'XAKIAIOSFODNN7EXAMPLE'],
  },
  github_token: {
    hit: [['ghp_1A2b3C4d5E6f7G8h9I0jK1lM2nO3pQ4rS5tU', 'ghp_1A2b3C4d5E6f7G8h9I0jK1lM2nO3pQ4rS5tU']],
    miss: ['ghp_short', 'the ghp_ prefix'],
  },
  stripe_key: {
    hit: [["api_key = 'sk_live_51HqLyjWDarjtT1zdp7dc9XyZ'", 'sk_live_51HqLyjWDarjtT1zdp7dc9XyZ']],
    miss: ['pk_live_51HqLyjWDarjtT1zdp7dc9XyZ', 'sk_test_XXXXXXXXXXXXXXXXXXXXXXXX'],
  },
  private_key: {
    hit: [
      [
        'x\n-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY-----\ny',
        '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY-----',
      ],
    ],
    miss: ['-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----', 'a PRIVATE KEY file'],
  },
  jwt: {
    hit: [
      [
        'Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c.',
        'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c',
      ],
    ],
    miss: ['eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiIxIn0.SflKxwRJSMeKKF2QT4fw', 'xxxxx.yyyyy.zzzzz', 'eyes.abcdefghijkl.mnop'],
  },
};

describe('detectors', () => {
  for (const [category, { hit, miss }] of Object.entries(CASES) as [
    Category,
    { hit: [string, string][]; miss: string[] },
  ][]) {
    describe(category, () => {
      it.each(hit)('finds it in %j', (text, value) => {
        expect(values(category, text)).toEqual([value]);
      });
      it.each(miss)('ignores %j', (text) => {
        expect(values(category, text)).toEqual([]);
      });
      it('reports offsets that slice to the value', () => {
        for (const [text] of hit)
          for (const m of DETECTORS[category].find(text)) expect(text.slice(m.start, m.end)).toBe(m.value);
      });
    });
  }
});

describe('checksums', () => {
  it('validates Luhn and mod-97', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(ibanChecksumValid('GB82WEST12345698765432')).toBe(true);
    expect(ibanChecksumValid('GB83WEST12345698765432')).toBe(false);
  });
});

describe('overlap resolution', () => {
  it('prefers the higher-priority category, then the longer match', () => {
    const m = (category: Category, start: number, end: number): Match => ({
      category,
      start,
      end,
      value: 'x'.repeat(end - start),
    });
    const kept = resolveOverlaps([m('phone', 0, 19), m('card', 0, 19), m('ip', 30, 37), m('email', 25, 40)]);
    expect(kept.map((k) => k.category)).toEqual(['card', 'email']);
  });
  it('returns non-overlapping matches in text order from a mixed text', () => {
    const text = 'card 4111 1111 1111 1111, mail a@example.com, key AKIAIOSFODNN7EXAMPLE, ip 10.0.0.1';
    expect(detect(text).map((m) => m.category)).toEqual(['card', 'email', 'aws_key', 'ip']);
  });
  it('does not report a card number that sits inside a secret', () => {
    const text = 'sk_live_4111111111111111Ab';
    expect(detect(text).map((m) => m.category)).toEqual(['stripe_key']);
  });
});

describe('speed', () => {
  it('scans 10 KB of ordinary text in well under a millisecond on average (generous bound for a shared machine)', () => {
    const para = 'Hello, jane.doe@example.com called from +44 20 7946 0958 about release 4.2.1 on 2025-03-01. ';
    const text = para.repeat(Math.ceil(10_240 / para.length)).slice(0, 10_240);
    for (let i = 0; i < 20; i++) detect(text);
    const n = 50;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) detect(text);
    const perMessageMs = (performance.now() - t0) / n;
    // a guard against quadratic blow-ups only; bench/ reports the real cost in µs per KB
    expect(perMessageMs).toBeLessThan(25);
  });
});

describe('edge cases', () => {
  it('finds an IBAN right after an IBAN-shaped token that fails', () => {
    expect(detect('ID AB12 DE89 3704 0044 0532 0130 00 thanks').map((m) => m.value)).toEqual([
      'DE89 3704 0044 0532 0130 00',
    ]);
  });
  it('ends a truncated private key at its last base64 line', () => {
    const text =
      'key:\n-----BEGIN RSA PRIVATE KEY-----\nProc-Type: ' +
      '4,ENCRYPTED\nMIIEowIBAAKCAQEA1234\nabcdEFGH5678==\n\nCan you help me with this';
    expect(detect(text).map((m) => m.value)).toEqual([
      '-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nMIIEowIBAAKCAQEA1234\nabcdEFGH5678==',
    ]);
  });
});

describe('shared precompiled regexes', () => {
  it('firstMatch starts from the beginning whatever lastIndex an interrupted scan left behind', () => {
    const re = /\d+/g;
    re.exec('aa 11 bb 22');
    expect(re.lastIndex).toBe(5); // a scan that stopped after its first match
    expect(firstMatch(re, '7 and 8')?.[0]).toBe('7');
    expect(re.exec('7 and 8')?.[0]).toBe('8');
  });
});
