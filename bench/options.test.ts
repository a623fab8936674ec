import { describe, expect, it } from 'vitest';
import { parseBenchOptions } from './options.js';
import { majorOf } from './runtimes.js';

const parse = (argv: string[], env: NodeJS.ProcessEnv = {}) => parseBenchOptions(argv, env, '/out');

describe('bench options', () => {
  it('defaults to the goals: both runtimes, every phase, 100 ms upstream at 50 connections, 1,000 streams, saved', () => {
    const o = parse([]);
    expect(o).toMatchObject({
      runtimes: ['20', '24'],
      rounds: 3,
      durationS: 5,
      warmupS: 2,
      connections: 32,
      latencyConnections: 50,
      upstreamMs: 100,
      ttftRequests: 500,
      streams: 1000,
      kinds: ['plain', 'stream'],
      outDir: '/out',
    });
    expect([...(o?.phases ?? [])]).toEqual(['cpu', 'latency', 'ttft', 'memory']);
  });

  it('takes runtimes as major versions or paths, once each', () => {
    expect(parse(['--runtime', '24, 24,/opt/node/bin/node'])?.runtimes).toEqual(['24', '/opt/node/bin/node']);
    expect(parse([], { BENCH_RUNTIME: '20' })?.runtimes).toEqual(['20']);
    expect(() => parse(['--runtime', 'lts'])).toThrow(/--runtime: expected a major version/);
    expect(() => parse(['--runtime', ','])).toThrow(/no runtime/);
    expect(majorOf('v24.11.1')).toBe(24);
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
    expect(() => parse(['--phases', 'cpu,speed'])).toThrow(/unknown phase "speed"/);
  });
});
