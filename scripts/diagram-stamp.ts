// The stamp that ties a rendered SVG to its Mermaid source (written by render-diagrams.ts, checked by
// test/compliance/diagrams.test.ts).

import { createHash } from 'node:crypto';

/** SHA-256 of a diagram source with line endings normalised. */
export function sourceHash(source: string): string {
  return createHash('sha256').update(source.replace(/\r\n/g, '\n')).digest('hex');
}

/** The first line of every rendered SVG: which source it came from and that source's hash. */
export function stamp(name: string, source: string): string {
  return `<!-- rendered from docs/diagrams/${name} by npm run diagrams; source sha256=${sourceHash(source)} -->`;
}

/** The source hash recorded in an SVG's stamp, or undefined when it has none. */
export function stampedHash(svg: string): string | undefined {
  return /^<!-- rendered from docs\/diagrams\/\S+ by npm run diagrams; source sha256=([0-9a-f]{64}) -->/.exec(svg)?.[1];
}
