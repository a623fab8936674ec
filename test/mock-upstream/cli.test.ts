// `parley mock-upstream` command: flag parsing, help, and a run stopped by a signal.

import { describe, expect, it, vi } from 'vitest';
import {
  MOCK_UPSTREAM_USAGE,
  mockUpstreamCommand,
  parseMockUpstreamArgs,
} from '../../src/cli/mock-upstream-command.js';
import { get, openaiBody, post } from './helpers.js';

describe('parley mock-upstream: flags', () => {
  it('maps every flag onto the server options', () => {
    const { help, options } = parseMockUpstreamArgs([
      '--port',
      '9100',
      '--host',
      '0.0.0.0',
      '--latency-ms',
      '5',
      '--ttft-ms',
      '6',
      '--token-delay-ms',
      '7',
      '--tokens',
      '8',
      '--error-rate',
      '500=0.2',
      '--error-rate',
      '429=0.1',
      '--retry-after',
      '2',
      '--fail-first',
      '3',
      '--fail-status',
      '503',
      '--reset-after-tokens',
      '4',
      '--stall-after-tokens',
      '9',
      '--stall-before-headers',
      '--malformed',
      'crlf',
      '--keys',
      'a, b',
      '--key-scenario',
      'a={"errorRates":{"429":1}}',
      '--model-scenario',
      'dead={"failFirst":1}',
      '--models',
      'm1,m2',
      '--seed',
      '11',
      '--no-record',
    ]);
    expect(help).toBe(false);
    expect(options).toMatchObject({
      host: '0.0.0.0',
      port: 9100,
      validKeys: ['a', 'b'],
      models: ['m1', 'm2'],
      record: false,
      keyScenarios: { a: { errorRates: { 429: 1 } } },
      modelScenarios: { dead: { failFirst: 1 } },
      scenario: {
        latencyMs: 5,
        ttftMs: 6,
        tokenDelayMs: 7,
        tokens: 8,
        errorRates: { 500: 0.2, 429: 0.1 },
        retryAfterSeconds: 2,
        failFirst: 3,
        failStatus: 503,
        resetAfterTokens: 4,
        stallAfterTokens: 9,
        stallBeforeHeaders: true,
        malformed: 'crlf',
        seed: 11,
      },
    });
    expect(parseMockUpstreamArgs([]).options).toMatchObject({
      port: 9000,
      host: '127.0.0.1',
      record: true,
      scenario: {},
    });
  });

  it('refuses bad values with a message naming the flag', () => {
    expect(() => parseMockUpstreamArgs(['--tokens', 'many'])).toThrow(/--tokens/);
    expect(() => parseMockUpstreamArgs(['--error-rate', '500'])).toThrow(/--error-rate: expected NAME=VALUE/);
    expect(() => parseMockUpstreamArgs(['--error-rate', '500=3'])).toThrow(/--error-rate/);
    expect(() => parseMockUpstreamArgs(['--malformed', 'weird'])).toThrow(/--malformed/);
    expect(() => parseMockUpstreamArgs(['--fail-status', '42'])).toThrow(/failStatus/);
    expect(() => parseMockUpstreamArgs(['--port', '70000'])).toThrow(/--port/);
    expect(() => parseMockUpstreamArgs(['--bogus'])).toThrow(/Usage: parley mock-upstream/);
  });

  it('prints usage for --help without starting a server', async () => {
    const lines: string[] = [];
    await mockUpstreamCommand(['--help'], { print: (l) => lines.push(l) });
    expect(lines).toEqual([MOCK_UPSTREAM_USAGE]);
  });
});

describe('parley mock-upstream: run', () => {
  it('serves until stopped and prints its URL', async () => {
    const lines: string[] = [];
    const controller = new AbortController();
    const running = mockUpstreamCommand(['--port', '0', '--tokens', '2', '--fail-first', '1', '--fail-status', '429'], {
      print: (l) => lines.push(l),
      signal: controller.signal,
    });
    await vi.waitFor(() => expect(lines[0]).toMatch(/^mock-upstream listening on http:\/\/127\.0\.0\.1:\d+$/));
    const url = lines[0].replace('mock-upstream listening on ', '');
    expect((await post(`${url}/v1/chat/completions`, openaiBody())).status).toBe(429);
    const ok = await post(`${url}/v1/chat/completions`, openaiBody());
    expect(JSON.parse(ok.text).choices[0].message.content).toBe('Mock reply:');
    expect((await get(`${url}/__mock/requests`)).status).toBe(200);
    controller.abort();
    await running;
    expect(lines.at(-1)).toBe('mock-upstream stopped');
    await expect(get(`${url}/v1/models`)).rejects.toThrow();
  });
});
