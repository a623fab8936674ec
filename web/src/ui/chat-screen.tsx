// The signed-in layout: header (demo notice, sign out), chat list, conversation, composer, live region.

import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { Conversation } from '../chat/conversation.js';
import { ChatList } from './chat-list.js';
import { Composer } from './composer.js';
import { ErrorBanner } from './error-banner.js';
import { MessageItem } from './message-item.js';
import { markFirstToken } from './perf-marks.js';
import { StreamingAnswer } from './streaming-answer.js';
import { useEmitter } from './use-emitter.js';

interface Props {
  conversation: Conversation;
  demo: boolean;
  onSignOut(): void;
}

/** Main chat screen. */
export function ChatScreen({ conversation, demo, onSignOut }: Props) {
  useEmitter(conversation.changes);
  const [live, setLive] = useState<HTMLElement | null>(null);
  const [menuOpen, setMenuOpen] = useState(false);
  const { messages, streaming, error } = conversation;
  const scroller = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => {
    const el = scroller.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [messages.length, conversation.sessionId]);
  // A whole short answer can arrive within one frame: then its first paint is the finished message.
  useLayoutEffect(() => {
    if (!streaming && messages.at(-1)?.role === 'assistant') markFirstToken();
  }, [messages, streaming]);
  let lastUser = -1;
  let lastAnswer = -1;
  for (let i = messages.length - 1; i >= 0 && (lastUser < 0 || lastAnswer < 0); i--) {
    if (messages[i].role === 'user' && lastUser < 0) lastUser = i;
    if (messages[i].role === 'assistant' && lastAnswer < 0) lastAnswer = i;
  }
  return (
    <div class={`layout${menuOpen ? ' menu-open' : ''}`}>
      <header class="topbar">
        <button type="button" class="menu-toggle" aria-expanded={menuOpen} aria-controls="sidebar" onClick={() => setMenuOpen(!menuOpen)}>
          Chats
        </button>
        <h1>Parley</h1>
        <button type="button" class="link" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      {demo && (
        <p class="demo-notice" role="note">
          Demo mode: answers come from Parley's built-in demo provider, not a real AI model.
        </p>
      )}
      <div id="sidebar" class="sidebar-wrap" onClick={(e) => (e.target as HTMLElement).closest('button') && setMenuOpen(false)}>
        <ChatList conversation={conversation} />
      </div>
      <main class="conversation" id="main">
        <div class="scroller" ref={scroller} tabIndex={0} role="region" aria-label="Messages">
          {messages.length === 0 && !streaming ? (
            <p class="empty muted">Ask anything. Answers stream in as they are written.</p>
          ) : (
            <ol class="messages" aria-label="Conversation">
              {messages.map((m, i) => (
                <MessageItem key={m.id} message={m} conversation={conversation} isLastOfRole={!streaming && (i === lastUser || (i === lastAnswer && lastAnswer > lastUser))} />
              ))}
              {streaming && <StreamingAnswer conversation={conversation} live={live} />}
            </ol>
          )}
        </div>
        {error && <ErrorBanner error={error} conversation={conversation} />}
        <Composer conversation={conversation} />
        <div class="sr-only" aria-live="polite" aria-atomic="false" aria-relevant="additions text" id="answer-live" ref={setLive} />
        <div class="sr-only" role="status" id="status">
          {conversation.status}
        </div>
      </main>
    </div>
  );
}
