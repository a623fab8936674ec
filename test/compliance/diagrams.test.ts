// The diagrams in docs/diagrams/ stay true: every SVG is rendered from its current source, and the component diagram
// names exactly src/'s folders.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sourceHash, stampedHash } from '../../scripts/diagram-stamp.js';
import { sourceFiles } from './code-inventory.js';
import { docFiles, ROOT } from './doc-helpers.js';

const DIR = join(ROOT, 'docs', 'diagrams');
const sources = readdirSync(DIR)
  .filter((f) => f.endsWith('.mmd'))
  .sort();
const svgs = readdirSync(DIR)
  .filter((f) => f.endsWith('.svg'))
  .sort();

describe('diagrams as code', () => {
  it('has the four diagrams the compliance pack relies on', () => {
    expect(sources).toEqual(
      expect.arrayContaining(['system-context.mmd', 'components.mmd', 'message-path.mmd', 'data-flow.mmd']),
    );
  });

  it.each(sources)('%s is rendered to an SVG stamped with its current source hash', (name) => {
    const svgName = name.replace(/\.mmd$/, '.svg');
    const svgPath = join(DIR, svgName);
    expect(existsSync(svgPath), `docs/diagrams/${svgName} is missing: run npm run diagrams and commit the SVG`).toBe(
      true,
    );
    const svg = readFileSync(svgPath, 'utf8');
    const stamped = stampedHash(svg);
    expect(
      stamped,
      `docs/diagrams/${svgName} has no source stamp: render it with npm run diagrams, do not edit it by hand`,
    ).toBeDefined();
    expect(
      stamped,
      `docs/diagrams/${name} changed after docs/diagrams/${svgName} was rendered: run npm run diagrams and commit both`,
    ).toBe(sourceHash(readFileSync(join(DIR, name), 'utf8')));
    expect(svg).toMatch(/<svg[\s>]/);
  });

  it('has no SVG without a source', () => {
    const orphans = svgs.filter((svg) => !sources.includes(svg.replace(/\.svg$/, '.mmd')));
    expect(orphans, 'an SVG in docs/diagrams/ has no .mmd source; delete it or add its source').toEqual([]);
  });

  it('links every SVG from the docs', () => {
    const docs = docFiles()
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
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
    expect(ghosts, `docs/diagrams/components.mmd names src/ folders that do not exist: ${ghosts.join(', ')}`).toEqual(
      [],
    );
  });

  it('shows every top-level folder of src/', () => {
    const missing = [...folders].filter((f) => !named.has(f)).sort();
    expect(
      missing,
      `src/ folders missing from docs/diagrams/components.mmd (add a box "src/<folder>/", then ` +
        `npm run diagrams): ${missing.join(', ')}`,
    ).toEqual([]);
  });
});

/** Top-level parts of src/ that `file` (relative to the root) imports: folder names, or `main.ts`. */
function importedParts(file: string): Set<string> {
  const parts = new Set<string>();
  const source = readFileSync(join(ROOT, file), 'utf8');
  for (const m of source.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
    const target = relative(join(ROOT, 'src'), resolve(join(ROOT, dirname(file)), m[1]));
    if (!target.startsWith('..')) parts.add(target.split(sep)[0].replace(/\.js$/, '.ts'));
  }
  return parts;
}

describe('the arrows of the component diagram are real imports', () => {
  const diagram = readFileSync(join(DIR, 'components.mmd'), 'utf8');
  const nodes = new Map(
    [...diagram.matchAll(/^\s*([\w-]+)\["src\/([a-z0-9.-]+)/gm)].map((m) => [m[1], m[2].replace(/\/$/, '')]),
  );
  const edges = [...diagram.matchAll(/^\s*([\w-]+)\s*-->\s*([\w-]+)\s*$/gm)].map((m) => [m[1], m[2]] as const);

  it('reads boxes and arrows', () => {
    expect(nodes.get('main')).toBe('main.ts');
    expect(edges.length).toBeGreaterThan(10);
  });

  it('draws no arrow without an import behind it', () => {
    const files = sourceFiles();
    const wrong = edges
      .filter(([from, to]) => {
        const a = nodes.get(from);
        const b = nodes.get(to);
        if (a === undefined || b === undefined) return true;
        const owned = files.filter((f) => (a.endsWith('.ts') ? f === `src/${a}` : f.startsWith(`src/${a}/`)));
        return !owned.some((f) => importedParts(f).has(b));
      })
      .map(([from, to]) => `${from} --> ${to}`);
    expect(
      wrong,
      'arrows in docs/diagrams/components.mmd with no matching import in src/ (remove them, then npm run diagrams)',
    ).toEqual([]);
  });
});
