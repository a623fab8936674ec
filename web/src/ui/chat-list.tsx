// The sidebar: the caller's chats from the server, searchable, each with its expiry, Rename and Forget.

import { useRef, useState } from 'preact/hooks';
import { searchChats, type ChatEntry } from '../chat/chat-list.js';
import type { Conversation } from '../chat/conversation.js';
import { Pencil, Plus, Trash } from './icons.js';

function expiry(iso: string): string {
  return new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

function RenameField({ chat, onDone }: { chat: ChatEntry; onDone(title?: string): void }) {
  const [draft, setDraft] = useState(chat.title);
  const finished = useRef(false);
  const finish = (title?: string) => {
    if (finished.current) return;
    finished.current = true;
    onDone(title);
  };
  return (
    <form
      class="rename"
      onSubmit={(e) => {
        e.preventDefault();
        finish(draft);
      }}
    >
      <label class="sr-only" for={`rename-${chat.id}`}>
        New name for chat: {chat.title}
      </label>
      <input
        id={`rename-${chat.id}`}
        value={draft}
        maxLength={200}
        ref={(el) => el?.focus()}
        onInput={(e) => setDraft(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key !== 'Escape') return;
          e.stopPropagation();
          finish();
        }}
        onBlur={() => finish(draft)}
      />
    </form>
  );
}

/** Chat list with New chat, search, rename and forget. */
export function ChatList({ conversation }: { conversation: Conversation }) {
  const { chats, sessionId } = conversation;
  const [query, setQuery] = useState('');
  const [renaming, setRenaming] = useState<string | undefined>();
  const shown = searchChats(chats, query);
  return (
    <nav class="sidebar" aria-label="Chats">
      <button type="button" class="new-chat" onClick={() => conversation.newChat()}>
        <Plus /> New chat
      </button>
      <div class="search">
        <label class="sr-only" for="chat-search">
          Search chats
        </label>
        <input
          id="chat-search"
          type="search"
          placeholder="Search chats"
          value={query}
          onInput={(e) => setQuery(e.currentTarget.value)}
        />
      </div>
      <h2 id="chats-heading">Your chats</h2>
      {chats.length === 0 ? (
        <p class="muted small">No chats yet.</p>
      ) : shown.length === 0 ? (
        <p class="muted small" role="status">
          No chat matches “{query}”.
        </p>
      ) : (
        <ul class="chats" aria-labelledby="chats-heading" aria-describedby="ephemeral-note">
          {shown.map((chat) => (
            <li key={chat.id} class={chat.id === sessionId ? 'current' : undefined}>
              {renaming === chat.id ? (
                <RenameField
                  chat={chat}
                  onDone={(title) => {
                    setRenaming(undefined);
                    // Keyboard users continue where they were: on this chat's Rename button.
                    requestAnimationFrame(() => {
                      if (document.activeElement === document.body)
                        document.querySelector<HTMLButtonElement>(`[data-rename="${chat.id}"]`)?.focus();
                    });
                    if (title !== undefined) void conversation.rename(chat.id, title);
                  }}
                />
              ) : (
                <button
                  type="button"
                  class="chat-open"
                  aria-current={chat.id === sessionId ? 'page' : undefined}
                  onClick={() => void conversation.open(chat.id)}
                >
                  <span class="chat-title">{chat.title}</span>
                  <span class="chat-meta">
                    {chat.model} · expires <time dateTime={chat.expiresAt}>{expiry(chat.expiresAt)}</time>
                  </span>
                </button>
              )}
              <span class="chat-actions">
                <button
                  type="button"
                  class="icon"
                  data-rename={chat.id}
                  aria-label={`Rename chat: ${chat.title}`}
                  title="Rename"
                  onClick={() => setRenaming(chat.id)}
                >
                  <Pencil />
                </button>
                <button
                  type="button"
                  class="icon"
                  aria-label={`Forget chat: ${chat.title}`}
                  title="Forget (delete now)"
                  onClick={() => void conversation.forget(chat.id)}
                >
                  <Trash />
                </button>
              </span>
            </li>
          ))}
        </ul>
      )}
      <p class="muted small ephemeral" id="ephemeral-note">
        Ephemeral: each chat and its messages are deleted from the server when it expires (it stays while you use it).
      </p>
    </nav>
  );
}
