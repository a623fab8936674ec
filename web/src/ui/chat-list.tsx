// The sidebar: this tab's chats, marked ephemeral with their expiry, each with Forget.

import type { Conversation } from '../chat/conversation.js';

function expiry(iso: string): string {
  const date = new Date(iso);
  return date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

/** Chat list with a New chat button. */
export function ChatList({ conversation }: { conversation: Conversation }) {
  const { chats, sessionId } = conversation;
  return (
    <nav class="sidebar" aria-label="Chats">
      <button type="button" class="primary wide" onClick={() => conversation.newChat()}>
        New chat
      </button>
      <h2>Chats in this tab</h2>
      <p class="muted small" id="ephemeral-note">
        Ephemeral: each chat is deleted from the server when it expires, and this list is forgotten when you close the tab.
      </p>
      {chats.length === 0 ? (
        <p class="muted small">No chats yet.</p>
      ) : (
        <ul class="chats" aria-describedby="ephemeral-note">
          {chats.map((chat) => (
            <li key={chat.id} class={chat.id === sessionId ? 'current' : undefined}>
              <button type="button" class="chat-open" aria-current={chat.id === sessionId ? 'page' : undefined} onClick={() => void conversation.open(chat.id)}>
                <span class="chat-title">{chat.title}</span>
                <span class="muted small">
                  {chat.model} · expires <time dateTime={chat.expiresAt}>{expiry(chat.expiresAt)}</time>
                </span>
              </button>
              <button type="button" class="link forget" aria-label={`Forget chat: ${chat.title}`} onClick={() => void conversation.forget(chat.id)}>
                Forget
              </button>
            </li>
          ))}
        </ul>
      )}
    </nav>
  );
}
