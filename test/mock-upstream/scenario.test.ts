// Scenario validation, the deterministic reply, token estimates and the seeded RNG of the mock upstream.

import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/mock-upstream/fault-state.js';
import {
  DEFAULT_SCENARIO,
  estimatePromptTokens,
  mergeScenario,
  mockReplyTokens,
  parseScenario,
} from '../../src/mock-upstream/index.js';

describe('mock upstream: reply and estimates', () => {
  it('echoes the last user message, then pads with lorem words, to exactly N tokens', () => {
    expect(mockReplyTokens('a  b', 6)).toEqual(['Mock', ' reply:', ' a', ' b', ' lorem', ' ipsum']);
    expect(mockReplyTokens('one two three', 3)).toEqual(['Mock', ' reply:', ' one']);
    expect(mockReplyTokens('x', 1)).toEqual(['Mock']);
    expect(mockReplyTokens('x', 0)).toEqual([]);
    expect(mockReplyTokens('', 40)).toHaveLength(40);
  });

  it('estimates prompt tokens as ceil(chars / 4) over text parts and the system prompt', () => {
    const messages = [
      { role: 'user', content: '12345' },
      { role: 'assistant', content: [{ type: 'text', text: '123' }] },
    ];
    expect(estimatePromptTokens(messages)).toBe(2);
    expect(estimatePromptTokens(messages, 'sys')).toBe(3);
    expect(estimatePromptTokens([])).toBe(0);
  });
});

describe('mock upstream: scenario', () => {
  it('merges layers field by field, null switching faults off', () => {
    const merged = mergeScenario(
      DEFAULT_SCENARIO,
      { tokens: 3, resetAfterTokens: 2 },
      { resetAfterTokens: null, latencyMs: 5 },
    );
    expect(merged).toMatchObject({ tokens: 3, resetAfterTokens: null, latencyMs: 5, failStatus: 500 });
  });

  it('validates untrusted scenarios and names the bad field', () => {
    expect(parseScenario({ errorRates: { '500': 0.5 }, malformed: 'crlf', stallAfterTokens: null })).toEqual({
      errorRates: { 500: 0.5 },
      malformed: 'crlf',
      stallAfterTokens: null,
    });
    expect(() => parseScenario({ tokens: -1 })).toThrow(/scenario\.tokens/);
    expect(() => parseScenario({ errorRates: { 500: 2 } })).toThrow(/errorRates\.500/);
    expect(() => parseScenario({ errorRates: { abc: 0.1 } })).toThrow(/not an HTTP status/);
    expect(() => parseScenario({ failStatus: 42 })).toThrow(/failStatus/);
    expect(() => parseScenario({ stallBeforeHeaders: 'yes' })).toThrow(/stallBeforeHeaders/);
    expect(() => parseScenario({ bogus: 1 })).toThrow(/unknown field "bogus"/);
    expect(() => parseScenario([])).toThrow(/JSON object/);
  });

  it('has a seeded RNG that repeats per seed and differs across seeds', () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    const c = seededRandom(8);
    const seqA = Array.from({ length: 5 }, a);
    expect(Array.from({ length: 5 }, b)).toEqual(seqA);
    expect(Array.from({ length: 5 }, c)).not.toEqual(seqA);
    expect(seqA.every((x) => x >= 0 && x < 1)).toBe(true);
  });
});

describe('replyText', () => {
  it('answers exactly the given text, split into word tokens', async () => {
    const { startMockUpstream, splitReplyText } = await import('../../src/mock-upstream/index.js');
    const mock = await startMockUpstream({ scenario: { replyText: 'Hello <b>world</b>  !' } });
    try {
      const res = await fetch(`${mock.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x' }] }),
      });
      const body = (await res.json()) as { choices: { message: { content: string } }[] };
      expect(body.choices[0].message.content).toBe('Hello <b>world</b>  !');
      expect(splitReplyText('a b  c')).toEqual(['a', ' b', '  c']);
    } finally {
      await mock.close();
    }
  });
});
