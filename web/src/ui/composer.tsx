// The message box: Enter sends, Shift+Enter adds a line, Escape (anywhere) stops; Send turns into Stop.

import { useEffect, useRef, useState } from 'preact/hooks';
import type { Conversation } from '../chat/conversation.js';
import { markSend } from './perf-marks.js';

/** Composer with model picker. */
export function Composer({ conversation }: { conversation: Conversation }) {
  const [draft, setDraft] = useState('');
  const box = useRef<HTMLTextAreaElement>(null);
  const { streaming } = conversation;

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && conversation.streaming) {
        e.preventDefault();
        conversation.stop();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [conversation]);

  const send = () => {
    if (streaming || !draft.trim()) return;
    markSend();
    void conversation.send(draft);
    setDraft('');
  };

  return (
    <form
      class="composer"
      onSubmit={(e) => {
        e.preventDefault();
        send();
      }}
    >
      <div class="composer-row">
        <label class="sr-only" for="message">Message</label>
        <textarea
          id="message"
          ref={box}
          rows={2}
          value={draft}
          placeholder="Write a message. Enter sends, Shift+Enter adds a line."
          onInput={(e) => setDraft(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
              e.preventDefault();
              send();
            }
          }}
        />
        {streaming ? (
          <button type="button" class="danger" onClick={() => conversation.stop()}>
            Stop
          </button>
        ) : (
          <button type="submit" class="primary" disabled={!draft.trim()}>
            Send
          </button>
        )}
      </div>
      <div class="composer-meta">
        <label for="model">Model</label>
        <select id="model" value={conversation.model} disabled={conversation.sessionId !== undefined} onChange={(e) => conversation.pickModel(e.currentTarget.value)}>
          {conversation.models.map((m) => (
            <option value={m}>{m}</option>
          ))}
        </select>
        {conversation.sessionId && <span class="muted small">Start a new chat to change the model.</span>}
      </div>
    </form>
  );
}
