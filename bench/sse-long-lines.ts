// Time to parse one SSE line of 5, 10, 20 and 40 MB arriving in 64 KiB reads: linear in the size (issue 15).

import { SseParser } from '../src/providers/sse-reader.js';

for (const mb of [5, 10, 20, 40]) {
  const parser = new SseParser(Number.POSITIVE_INFINITY);
  const chunk = Buffer.alloc(64 * 1024, 'a');
  const t0 = performance.now();
  parser.push(Buffer.from('data: '));
  for (let sent = 0; sent < mb * 1024 * 1024; sent += chunk.length) parser.push(chunk);
  const out = parser.push(Buffer.from('\n\n'));
  const ms = performance.now() - t0;
  console.log(`${mb} MB line: ${ms.toFixed(0)} ms (${out[0].data.length} characters)`);
}
