// The diagrams in docs/diagrams/ stay true: every SVG is rendered from its current source, and the component diagram names exactly src/'s folders.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sourceHash, stampedHash } from '../../scripts/diagram-stamp.js';
import { docFiles, ROOT } from './doc-helpers.js';

const DIR = join(ROOT, 'docs', 'diagrams');
const sources = readdirSync(DIR).filter((f) => f.endsWith('.mmd')).sort();
const svgs = readdirSync(DIR).filter((f) => f.endsWith('.svg')).sort();

describe('diagrams as code', () => {
  it('has the four diagrams the compliance pack relies on', () => {
    expect(sources).toEqual(expect.arrayContaining(['system-context.mmd', 'components.mmd', 'message-path.mmd', 'data-flow.mmd']));
  });

  it.each(sources)('%s is rendered to an SVG stamped with its current source hash', (name) => {
    const svgName = name.replace(/\.mmd$/, '.svg');
    const svgPath = join(DIR, svgName);
    expect(existsSync(svgPath), `docs/diagrams/${svgName} is missing: run npm run diagrams and commit the SVG`).toBe(true);
    const svg = readFileSync(svgPath, 'utf8');
    const stamped = stampedHash(svg);
    expect(stamped, `docs/diagrams/${svgName} has no source stamp: render it with npm run diagrams, do not edit it by hand`).toBeDefined();
    expect(stamped, `docs/diagrams/${name} changed after docs/diagrams/${svgName} was rendered: run npm run diagrams and commit both`).toBe(
      sourceHash(readFileSync(join(DIR, name), 'utf8')),
    );
    expect(svg).toMatch(/<svg[\s>]/);
  });

  it('has no SVG without a source', () => {
    const orphans = svgs.filter((svg) => !sources.includes(svg.replace(/\.svg$/, '.mmd')));
    expect(orphans, 'an SVG in docs/diagrams/ has no .mmd source; delete it or add its source').toEqual([]);
  });

  it('links every SVG from the docs', () => {
    const docs = docFiles().map((f) => readFileSync(f, 'utf8')).join('\n');
    const unlinked = svgs.filter((svg) => !docs.includes(`diagrams/${svg}`) && !docs.includes(`(${svg})`));
    expect(unlinked, 'link these SVGs from a page under docs/').toEqual([]);
  });
});

describe('the component diagram follows src/', () => {
  const diagram = readFileSync(join(DIR, 'components.mmd'), 'utf8');
  const named = new Set([...diagram.matchAll(/src\/([a-z0-9-]+)\//g)].map((m) => m[1]));
  const folders = new Set(
    readdirSync(join(ROOT, 'src'), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name),
  );

  it('names a folder of src/ for every component', () => {
    const ghosts = [...named].filter((n) => !folders.has(n)).sort();
    expect(ghosts, `docs/diagrams/components.mmd names src/ folders that do not exist: ${ghosts.join(', ')}`).toEqual([]);
  });

  it('shows every top-level folder of src/', () => {
    const missing = [...folders].filter((f) => !named.has(f)).sort();
    expect(missing, `src/ folders missing from docs/diagrams/components.mmd (add a box "src/<folder>/", then npm run diagrams): ${missing.join(', ')}`).toEqual([]);
  });
});
