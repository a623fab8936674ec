// A finished answer's body: markdown rendered once per content, code blocks with a header, highlighted lazily.

import { useEffect, useMemo, useRef } from 'preact/hooks';
import { decorateCodeBlocks, onCodeCopyClick } from '../render/code-blocks.js';
import { highlightWithin } from '../render/highlight.js';
import { renderMarkdown } from '../render/markdown.js';

/** Sanitised markdown of `source`; loads the highlighter only if a code block is present. */
export function MarkdownBody({ source }: { source: string }) {
  const html = useMemo(() => renderMarkdown(source), [source]);
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!ref.current || !html.includes('<pre')) return;
    decorateCodeBlocks(ref.current);
    void highlightWithin(ref.current);
  }, [html]);
  return (
    <div class="md" ref={ref} onClick={(e) => void onCodeCopyClick(e)} dangerouslySetInnerHTML={{ __html: html }} />
  );
}
