// The message box: Enter sends, Shift+Enter adds a line, Escape (anywhere) stops; the model can change mid-chat.

import { useEffect, useRef, useState } from 'preact/hooks';
import type { Conversation } from '../chat/conversation.js';
import { ArrowUp, StopSquare } from './icons.js';
import { markSend } from './perf-marks.js';

/** Composer with the model picker (a change applies to the next answer, with the whole history). */
export function Composer({ conversation }: { conversation: Conversation }) {
  const [draft, setDraft] = useState('');
  const box = useRef<HTMLTextAreaElement>(null);
  const { streaming } = conversation;

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && !e.shiftKey && conversation.streaming) {
        e.preventDefault();
        conversation.stop();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [conversation]);

  // Grow with the text, up to the CSS max-height.
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    // An empty box (just sent) goes back to one line without a forced layout on the send path.
    if (draft === '') return void (el.style.height = '');
    el.style.height = 'auto';
    el.style.height = `${el.scrollHeight + 2}px`;
  }, [draft]);

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
      <div class="composer-box">
        <label class="sr-only" for="message">Message</label>
        <textarea
          id="message"
          ref={box}
          rows={1}
          value={draft}
          placeholder="Message Parley"
          aria-describedby="composer-hint"
          onInput={(e) => setDraft(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
              e.preventDefault();
              send();
            }
          }}
        />
        <div class="composer-bar">
          <label class="model-pick">
            <span class="sr-only">Model</span>
            <select id="model" aria-label="Model" value={conversation.model} onChange={(e) => void conversation.pickModel(e.currentTarget.value)}>
              {conversation.models.map((m) => (
                <option value={m}>{m}</option>
              ))}
            </select>
          </label>
          {streaming ? (
            <button type="button" class="send stop" aria-label="Stop" title="Stop (Escape)" onClick={() => conversation.stop()}>
              <StopSquare />
            </button>
          ) : (
            <button type="submit" class="send" aria-label="Send" title="Send (Enter)" disabled={!draft.trim()}>
              <ArrowUp />
            </button>
          )}
        </div>
      </div>
      <p class="composer-hint" id="composer-hint">
        Enter sends, Shift+Enter adds a line. Press Ctrl+/ for keyboard shortcuts.
      </p>
    </form>
  );
}
