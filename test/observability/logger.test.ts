import { describe, it, expect } from 'vitest';
import { Writable } from 'node:stream';
import { createLogger, REDACT_PATHS, serializeError } from '../../src/observability/logger.js';
import { ParleyError } from '../../src/domain/index.js';

const CANARY = 'CANARY-7f3a-secret-prompt';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() === '') continue;
        raw.push(line);
        lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      cb();
    },
  });
  return { lines, raw, logger: createLogger({ level: 'info', destination: stream }) };
}

describe('createLogger', () => {
  it('writes JSON lines with a level label and time', () => {
    const { lines, logger } = capture();
    logger.info({ requestId: 'r1' }, 'hello');
    expect(lines[0]).toMatchObject({ level: 'info', msg: 'hello', requestId: 'r1' });
    expect(typeof lines[0].time).toBe('string');
  });

  it('redacts secret headers and content fields at any of the first three levels', () => {
    const { raw, lines, logger } = capture();
    logger.info(
      {
        req: { method: 'POST', url: '/v1/chat?x=1', headers: { authorization: `Bearer ${CANARY}` } },
        headers: { cookie: CANARY, 'x-api-key': CANARY, accept: 'json' },
        content: CANARY,
        body: {
          messages: [{ role: 'user', content: CANARY }],
          prompt: CANARY,
          nested: { text: CANARY, apiKey: CANARY },
        },
        secret: CANARY,
      },
      'req',
    );
    expect(raw.join('\n')).not.toContain(CANARY);
    expect(lines[0]).toMatchObject({ headers: { accept: 'json', cookie: '[redacted]' }, content: '[redacted]' });
  });

  it('redacts every path of REDACT_PATHS, through arrays and in child bindings, leaving the caller objects alone', () => {
    const { raw, lines, logger } = capture();
    for (const path of REDACT_PATHS) {
      // `a.*.content` → { a: { x: { content } } }; `headers["cookie"]` → { headers: { cookie } }
      const keys = path.replace(/\["([^"]+)"\]/g, '.$1').split('.');
      const fields: Record<string, unknown> = {};
      let at = fields;
      keys.forEach((key, i) => {
        const name = key === '*' ? `k${i}` : key;
        if (i === keys.length - 1) at[name] = CANARY;
        else at = (at[name] = {}) as Record<string, unknown>;
      });
      const before = JSON.stringify(fields);
      logger.info(fields, path);
      expect(JSON.stringify(fields), path).toBe(before);
    }
    logger.info({ list: [{ content: CANARY }, { text: CANARY }] }, 'arrays');
    logger
      .child({ content: CANARY, scope: { token: CANARY } })
      .child({ secret: CANARY })
      .info('child');
    expect(raw.join('\n')).not.toContain(CANARY);
    expect(lines.at(-2)).toMatchObject({ list: [{ content: '[redacted]' }, { text: '[redacted]' }] });
    expect(lines.at(-1)).toMatchObject({ content: '[redacted]', scope: { token: '[redacted]' }, secret: '[redacted]' });
  });

  it('hands an error to its serializer whole, even one with a field named like content', () => {
    const { lines, raw, logger } = capture();
    const error = Object.assign(new ParleyError('upstream_server_error', 'The provider failed.'), { text: CANARY });
    logger.error({ err: error }, 'failed');
    expect(raw.join()).not.toContain(CANARY);
    expect(lines[0].err).toMatchObject({ type: 'ParleyError', code: 'upstream_server_error' });
    expect((lines[0].err as { stack?: unknown[] }).stack?.length).toBeGreaterThan(0);
  });

  it('serializes requests without query string, headers or body', () => {
    const { lines, raw, logger } = capture();
    logger.info({
      req: {
        id: 'r2',
        method: 'GET',
        url: `/v1/sessions/abc?q=${CANARY}`,
        headers: { authorization: CANARY },
        body: CANARY,
      },
    });
    expect(lines[0].req).toEqual({ id: 'r2', method: 'GET', path: '/v1/sessions/abc' });
    expect(raw.join()).not.toContain(CANARY);
  });

  it('keeps only client-safe messages of errors', () => {
    expect(serializeError(new Error(`upstream said ${CANARY}`))).not.toHaveProperty('message');
    const pe = serializeError(
      new ParleyError('upstream_rate_limited', 'The provider is busy.', { upstreamStatus: 429 }),
    );
    expect(pe).toMatchObject({
      type: 'ParleyError',
      code: 'upstream_rate_limited',
      status: 503,
      upstreamStatus: 429,
      message: 'The provider is busy.',
    });
    const { raw, logger } = capture();
    logger.error({ err: new Error(CANARY) }, 'boom');
    expect(raw[0]).not.toContain(CANARY);
    expect(raw[0]).toContain('"stack"');
  });

  it('respects the level', () => {
    const lines: string[] = [];
    const logger = createLogger({
      level: 'warn',
      destination: {
        write: (s: string) => {
          lines.push(s);
        },
      },
    });
    logger.info('quiet');
    logger.warn('loud');
    expect(lines).toHaveLength(1);
  });
});
