// A finished answer's body: markdown rendered once per content, code highlighted lazily.

import { useEffect, useMemo, useRef } from 'preact/hooks';
import { highlightWithin } from '../render/highlight.js';
import { renderMarkdown } from '../render/markdown.js';

/** Code blocks scroll sideways: make them reachable by keyboard. */
export function makeScrollablesFocusable(root: HTMLElement): void {
  for (const pre of root.querySelectorAll('pre')) pre.tabIndex = 0;
}

/** Sanitised markdown of `source`; loads the highlighter only if a code block is present. */
export function MarkdownBody({ source }: { source: string }) {
  const html = useMemo(() => renderMarkdown(source), [source]);
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!ref.current || !html.includes('<pre')) return;
    makeScrollablesFocusable(ref.current);
    void highlightWithin(ref.current);
  }, [html]);
  return <div class="md" ref={ref} dangerouslySetInnerHTML={{ __html: html }} />;
}
