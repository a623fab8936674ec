// Code highlighting, loaded only when an answer contains a code block (a separate lazy chunk).

import { sanitize } from './markdown.js';

type Highlighter = typeof import('./hljs-languages.js');
let loading: Promise<Highlighter> | undefined;

/** Highlights every `pre > code` inside `root` that is not highlighted yet; loads highlight.js on first use. */
export async function highlightWithin(root: HTMLElement): Promise<void> {
  const blocks = [...root.querySelectorAll<HTMLElement>('pre > code:not(.hljs)')];
  if (blocks.length === 0) return;
  const { highlight } = await (loading ??= import('./hljs-languages.js'));
  for (const block of blocks) {
    if (!block.isConnected) continue;
    const language = /language-([\w+-]+)/.exec(block.className)?.[1];
    // highlight.js escapes its input; the result is sanitised again so only <span class> survives.
    block.innerHTML = sanitize(highlight(block.textContent ?? '', language));
    block.classList.add('hljs');
  }
}
