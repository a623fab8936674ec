// The answer being streamed: painted straight into the DOM once per frame, without re-rendering the list.

import { useEffect, useRef, useState } from 'preact/hooks';
import type { Conversation } from '../chat/conversation.js';
import { decorateCodeBlocks, onCodeCopyClick } from '../render/code-blocks.js';
import { renderMarkdown } from '../render/markdown.js';
import { AuthorLine, Reasoning } from './message-item.js';
import { markFirstToken } from './perf-marks.js';

/** Renders `conversation.streamText` as it grows and feeds finished sentences to the live region. */
export function StreamingAnswer({ conversation, live }: { conversation: Conversation; live: HTMLElement | null }) {
  const body = useRef<HTMLDivElement>(null);
  // Reasoning arrives before the answer, in few large pieces: re-rendered per frame like the text.
  const [reasoning, setReasoning] = useState('');
  useEffect(() => {
    let frame = 0;
    let announced = 0;
    if (live) live.textContent = '';
    const announce = (upTo: number) => {
      const chunk = conversation.streamText.slice(announced, upTo).trim();
      announced = upTo;
      if (chunk && live) {
        const line = document.createElement('p');
        line.textContent = chunk;
        live.append(line);
      }
    };
    const paint = () => {
      frame = 0;
      setReasoning(conversation.streamReasoning);
      const el = body.current;
      if (!el) return;
      const text = conversation.streamText;
      const scroller = el.closest('.scroller');
      const atBottom = scroller !== null && scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 96;
      el.innerHTML = renderMarkdown(text);
      if (text) markFirstToken();
      if (text.includes('```')) decorateCodeBlocks(el);
      const lastStop = Math.max(
        text.lastIndexOf('. '),
        text.lastIndexOf('\n'),
        text.lastIndexOf('! '),
        text.lastIndexOf('? '),
      );
      if (lastStop + 1 > announced) announce(lastStop + 1);
      if (atBottom) scroller.scrollTop = scroller.scrollHeight;
    };
    const off = conversation.text.on(() => {
      if (!frame) frame = requestAnimationFrame(paint);
    });
    return () => {
      off();
      if (frame) cancelAnimationFrame(frame);
      announce(conversation.streamText.length);
    };
  }, [conversation, live]);
  return (
    <li class="msg assistant streaming" aria-busy="true">
      <AuthorLine model={conversation.model} />
      <span class="sr-only">Parley is answering:</span>
      <div class="md" ref={body} onClick={(e) => void onCodeCopyClick(e)} />
      {reasoning && <Reasoning text={reasoning} live />}
      <p class="note typing" aria-hidden="true">
        <span class="dots" /> Answering… press Escape to stop
      </p>
    </li>
  );
}
