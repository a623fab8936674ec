import { describe, expect, it } from 'vitest';
import { parseBenchOptions } from './options.js';

const parse = (argv: string[], env: NodeJS.ProcessEnv = {}) => parseBenchOptions(argv, env, '/out');

describe('bench options', () => {
  it('defaults to 3 rounds of 5 s per target and kind, every phase and kind, saved', () => {
    const o = parse([]);
    expect(o).toMatchObject({
      rounds: 3,
      durationS: 5,
      warmupS: 2,
      connections: 32,
      ttftRequests: 500,
      streams: 1000,
      kinds: ['plain', 'stream'],
      outDir: '/out',
    });
    expect([...(o?.phases ?? [])]).toEqual(['load', 'ttft', 'memory']);
  });

  it('takes flags before BENCH_* variables, and counts as whole numbers of at least 1', () => {
    const o = parse(['--rounds', '0.4', '--connections', '7.6', '--kinds', 'stream', '--no-save'], {
      BENCH_ROUNDS: '9',
      BENCH_DURATION: '2',
      BENCH_CONNECTIONS: '64',
    });
    expect(o).toMatchObject({ rounds: 1, connections: 8, durationS: 2, kinds: ['stream'], outDir: null });
  });

  it('says what is wrong with a bad value', () => {
    expect(() => parse(['--rounds', 'abc'])).toThrow('--rounds: expected a positive number, got "abc"');
    expect(() => parse([], { BENCH_DURATION: '-1' })).toThrow(/--duration: expected a positive number/);
    expect(() => parse(['--phases', 'load,speed'])).toThrow(/unknown phase "speed"/);
  });
});
