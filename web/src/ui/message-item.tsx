// One message of the conversation (memoised: only re-renders when its own props change).

import { useState } from 'preact/hooks';
import type { Conversation, UiMessage } from '../chat/conversation.js';
import { FEEDBACK_REASONS, type FeedbackReason } from '../api/types.js';
import { CopyIcon, ParleyMark, Pencil, Refresh, Shield, ThumbDown, ThumbUp } from './icons.js';
import { MarkdownBody } from './markdown-body.js';
import { memo } from './memo.js';
import { Thumbnails } from './thumbnails.js';

interface Props {
  message: UiMessage;
  conversation: Conversation;
  /** The last user message (editable) or last answer (regenerable); false while streaming. */
  isLastOfRole: boolean;
}

async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

function UserMessage({ message, conversation, isLastOfRole }: Props) {
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(message.content);
  if (editing) {
    const save = () => {
      setEditing(false);
      if (draft.trim()) void conversation.editLast(draft);
    };
    return (
      <li class="msg user editing" aria-label="Your message, editing">
        <label class="sr-only" for={`edit-${message.id}`}>
          Edit your message
        </label>
        <textarea
          id={`edit-${message.id}`}
          value={draft}
          rows={3}
          onInput={(e) => setDraft(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
              e.preventDefault();
              save();
            } else if (e.key === 'Escape') setEditing(false);
          }}
        />
        <div class="actions">
          <button type="button" class="primary" onClick={save}>
            Save and resend
          </button>
          <button type="button" onClick={() => setEditing(false)}>
            Cancel
          </button>
        </div>
      </li>
    );
  }
  return (
    <li class={`msg user${message.pending ? ' pending' : ''}`}>
      <span class="sr-only">You said:</span>
      <Thumbnails images={message.images} />
      {message.content && (
        <div class="bubble">
          <div class="text">{message.content}</div>
        </div>
      )}
      <div class="meta">
        {message.protectedItems ? (
          <span class="protected" title="Personal data in this message was replaced before it reached the AI provider.">
            <Shield /> {message.protectedItems} {message.protectedItems === 1 ? 'item' : 'items'} protected
          </span>
        ) : null}
        {isLastOfRole && !message.pending && (
          <button
            type="button"
            class="ghost"
            aria-label="Edit"
            title="Edit and resend"
            onClick={() => {
              setDraft(message.content);
              setEditing(true);
            }}
          >
            <Pencil />
          </button>
        )}
      </div>
    </li>
  );
}

function AssistantMessage({ message, conversation, isLastOfRole }: Props) {
  const [copied, setCopied] = useState(false);
  const rating = message.feedback?.rating;
  return (
    <li class={`msg assistant${message.incomplete ? ' incomplete' : ''}`}>
      <AuthorLine model={message.model} />
      <span class="sr-only">Parley answered:</span>
      <MarkdownBody source={message.content} />
      {message.incomplete && (
        <p class="note">{message.stopped ? 'Stopped before the end.' : 'This answer is incomplete.'}</p>
      )}
      {message.reasoning && <Reasoning text={message.reasoning} />}
      <div class="actions" role="group" aria-label="Answer actions">
        <button
          type="button"
          class="ghost"
          aria-label={copied ? 'Copied' : 'Copy'}
          title="Copy the answer"
          onClick={async () => {
            const ok = await copyText(message.content);
            setCopied(ok);
            if (ok) setTimeout(() => setCopied(false), 2000);
          }}
        >
          <CopyIcon />
          {copied && <span class="small">Copied</span>}
        </button>
        <button
          type="button"
          class="ghost"
          aria-pressed={rating === 'up'}
          aria-label="Good answer"
          title="Good answer"
          onClick={() => void conversation.rate(message.id, 'up')}
        >
          <ThumbUp />
        </button>
        <button
          type="button"
          class="ghost"
          aria-pressed={rating === 'down'}
          aria-label="Bad answer"
          title="Bad answer"
          onClick={() => void conversation.rate(message.id, 'down')}
        >
          <ThumbDown />
        </button>
        {rating === 'down' && (
          <select
            aria-label="Why was it bad? (optional)"
            value={message.feedback?.reason ?? ''}
            onChange={(e) =>
              e.currentTarget.value &&
              void conversation.rate(message.id, 'down', e.currentTarget.value as FeedbackReason)
            }
          >
            <option value="">Why? (optional)</option>
            {FEEDBACK_REASONS.filter((r) => r !== 'helpful' && r !== 'accurate').map((r) => (
              <option value={r}>{r.replace('-', ' ')}</option>
            ))}
          </select>
        )}
        {isLastOfRole && (
          <button
            type="button"
            class="ghost"
            aria-label="Regenerate"
            title="Regenerate the answer"
            onClick={() => void conversation.regenerate()}
          >
            <Refresh />
          </button>
        )}
      </div>
    </li>
  );
}

/** The model's reasoning, collapsed under the answer (a native disclosure: keyboard and screen readers work). */
export function Reasoning({ text, live }: { text: string; live?: boolean }) {
  return (
    <details class="reasoning">
      <summary>{live ? 'Reasoning…' : 'Reasoning'}</summary>
      <div class="reasoning-text">{text}</div>
    </details>
  );
}

/** The assistant's author cue: Parley's mark, its name and the model that wrote the answer. */
export function AuthorLine({ model }: { model?: string }) {
  return (
    <div class="author" aria-hidden="true">
      <span class="avatar">
        <ParleyMark />
      </span>
      <span class="author-name">Parley</span>
      {model && <span class="author-model">{model}</span>}
    </div>
  );
}

/** A message row. */
export const MessageItem = memo((props: Props) =>
  props.message.role === 'user' ? <UserMessage {...props} /> : <AssistantMessage {...props} />,
);
