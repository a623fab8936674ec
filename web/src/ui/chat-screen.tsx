// The signed-in layout: top bar (theme, shortcuts, sign out), chat list, conversation, composer, live regions.

import type { ComponentType } from 'preact';
import { useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { Conversation } from '../chat/conversation.js';
import { ChatList } from './chat-list.js';
import { Composer } from './composer.js';
import { ErrorBanner } from './error-banner.js';
import { KeyboardIcon, Moon, Sun } from './icons.js';
import { MessageItem } from './message-item.js';
import { markFirstToken } from './perf-marks.js';
import { useShortcuts } from './shortcuts.js';
import { StreamingAnswer } from './streaming-answer.js';
import { currentTheme, pickTheme, type Theme } from './theme.js';
import { useEmitter } from './use-emitter.js';

interface Props {
  conversation: Conversation;
  demo: boolean;
  onSignOut(): void;
}

type Dialog = ComponentType<{ onClose(): void }>;

function ThemeToggle() {
  const [theme, setTheme] = useState<Theme>(currentTheme);
  const next: Theme = theme === 'dark' ? 'light' : 'dark';
  return (
    <button
      type="button"
      class="icon"
      aria-label={`Switch to ${next} theme`}
      title={`Switch to ${next} theme`}
      onClick={() => (pickTheme(next), setTheme(next))}
    >
      {theme === 'dark' ? <Sun /> : <Moon />}
    </button>
  );
}

/** What a new chat shows before its first message: a greeting and the optional system prompt. */
function NewChatIntro({ conversation }: { conversation: Conversation }) {
  return (
    <div class="intro">
      <h2 class="intro-title">What can I help with?</h2>
      <details class="system-setup" open={conversation.systemDraft !== ''}>
        <summary>System prompt (optional)</summary>
        <label for="system-prompt" class="small muted">
          Instructions for the whole chat, set before its first message, e.g. “Answer in French, briefly.”
        </label>
        <textarea
          id="system-prompt"
          rows={3}
          maxLength={32000}
          value={conversation.systemDraft}
          onInput={(e) => conversation.setSystemDraft(e.currentTarget.value)}
        />
      </details>
    </div>
  );
}

/** Main chat screen. */
export function ChatScreen({ conversation, demo, onSignOut }: Props) {
  useEmitter(conversation.changes);
  const [live, setLive] = useState<HTMLElement | null>(null);
  const [menuOpen, setMenuOpen] = useState(false);
  const [Help, setHelp] = useState<Dialog | undefined>();
  const { messages, streaming, error, systemPrompt } = conversation;
  const scroller = useRef<HTMLDivElement>(null);
  const actions = useMemo(
    () => ({
      showHelp: () => void import('./shortcuts-dialog.js').then((m) => setHelp(() => m.ShortcutsDialog)),
      copied: (ok: boolean) => conversation.say(ok ? 'Last answer copied.' : 'Could not copy the last answer.'),
    }),
    [conversation],
  );
  useShortcuts(conversation, actions);
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
  const title = conversation.chats.find((c) => c.id === conversation.sessionId)?.title;
  return (
    <div class={`layout${menuOpen ? ' menu-open' : ''}`}>
      <header class="topbar">
        <button
          type="button"
          class="menu-toggle"
          aria-expanded={menuOpen}
          aria-controls="sidebar"
          onClick={() => setMenuOpen(!menuOpen)}
        >
          Chats
        </button>
        <h1>Parley</h1>
        <span class="topbar-title">
          <span aria-hidden="true">/ </span>
          {title ?? 'New chat'}
        </span>
        <ThemeToggle />
        <button
          type="button"
          class="icon kbd-help"
          aria-label="Keyboard shortcuts"
          title="Keyboard shortcuts (Ctrl+/)"
          onClick={actions.showHelp}
        >
          <KeyboardIcon />
        </button>
        <button type="button" class="ghost signout" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      {demo && (
        <p class="demo-notice" role="note">
          Demo mode: answers come from Parley's built-in demo provider, not a real AI model.
        </p>
      )}
      <div
        id="sidebar"
        class="sidebar-wrap"
        onClick={(e) => (e.target as HTMLElement).closest('.chat-open, .new-chat') && setMenuOpen(false)}
      >
        <ChatList conversation={conversation} />
      </div>
      <main class="conversation" id="main">
        <div class="scroller" ref={scroller} tabIndex={0} role="region" aria-label="Messages">
          {systemPrompt && (
            <aside class="system-shown" aria-label="System prompt of this chat">
              <span class="system-label">System prompt</span>
              <p>{systemPrompt}</p>
            </aside>
          )}
          {messages.length === 0 && !streaming ? (
            conversation.sessionId ? null : (
              <NewChatIntro conversation={conversation} />
            )
          ) : (
            <ol class="messages" aria-label="Conversation">
              {messages.map((m, i) => (
                <MessageItem
                  key={m.id}
                  message={m}
                  conversation={conversation}
                  isLastOfRole={!streaming && (i === lastUser || (i === lastAnswer && lastAnswer > lastUser))}
                />
              ))}
              {streaming && <StreamingAnswer conversation={conversation} live={live} />}
            </ol>
          )}
        </div>
        {error && <ErrorBanner error={error} conversation={conversation} />}
        <Composer conversation={conversation} />
        <div
          class="sr-only"
          aria-live="polite"
          aria-atomic="false"
          aria-relevant="additions text"
          id="answer-live"
          ref={setLive}
        />
        <div class="sr-only" role="status" id="status">
          {conversation.status}
        </div>
      </main>
      {Help && <Help onClose={() => setHelp(undefined)} />}
    </div>
  );
}
