// The message box: Enter sends, Shift+Enter adds a line, Escape (anywhere) stops; the model can change mid-chat;
// images can be attached (button), pasted or dropped when the model accepts them.

import { useEffect, useRef, useState } from 'preact/hooks';
import type { Conversation } from '../chat/conversation.js';
import type { Attachment } from '../chat/attachments.js';
import { IMAGE_TYPES } from '../../../src/domain/image-limits.js';
import { ArrowUp, Paperclip, StopSquare } from './icons.js';
import { markSend } from './perf-marks.js';
import { blobUrlOf } from './image-url.js';

const ACCEPT = Object.keys(IMAGE_TYPES).join(',');

/** Files of a paste or drop (images and anything else: the checks explain what is refused). */
function filesOf(data: DataTransfer | null): File[] {
  return data ? [...data.files] : [];
}

/** Composer with the model picker (a change applies to the next answer, with the whole history). */
export function Composer({ conversation }: { conversation: Conversation }) {
  const [draft, setDraft] = useState('');
  const [attachments, setAttachments] = useState<Attachment[]>([]);
  const [notice, setNotice] = useState('');
  const [dragging, setDragging] = useState(false);
  const box = useRef<HTMLTextAreaElement>(null);
  const picker = useRef<HTMLInputElement>(null);
  const { streaming } = conversation;
  const images = conversation.acceptsImages();
  const noImages =
    `The model ${conversation.model ?? ''} does not accept images. Switch to a model with ` + `vision to attach one.`;

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

  /** Checks and adds files (the checking code loads on first use). */
  const add = async (files: File[], how: 'attached' | 'pasted' | 'dropped') => {
    if (files.length === 0) return;
    if (!conversation.acceptsImages()) {
      const refused =
        `The ${how} image was not added: the model ${conversation.model ?? ''} does not accept ` +
        `images. Switch to a model with vision to send images.`;
      setNotice(refused);
      conversation.say(refused);
      return;
    }
    const { attach } = await import('../chat/attachments.js');
    const { added, refusals } = await attach(files, attachments.length);
    if (added.length > 0) setAttachments((current) => [...current, ...added]);
    const message = refusals.join(' ');
    setNotice(message);
    conversation.say(
      message || (added.length === 1 ? `Image ${added[0].name} attached.` : `${added.length} images attached.`),
    );
  };

  const send = () => {
    if (streaming || (!draft.trim() && attachments.length === 0)) return;
    if (attachments.length > 0 && !conversation.acceptsImages())
      return setNotice(`${noImages} Or remove the attached images.`);
    markSend();
    void conversation.send(
      draft,
      undefined,
      attachments.map((a) => ({ url: a.url })),
    );
    setDraft('');
    setAttachments([]);
    setNotice('');
  };

  const remove = (a: Attachment) => {
    setAttachments((current) => current.filter((x) => x.id !== a.id));
    conversation.say(`Image ${a.name} removed.`);
    box.current?.focus();
  };

  return (
    <form
      class={`composer${dragging ? ' dragging' : ''}`}
      onSubmit={(e) => {
        e.preventDefault();
        send();
      }}
      onDragOver={(e) => {
        if (!e.dataTransfer?.types.includes('Files')) return;
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={(e) => {
        if (!e.dataTransfer?.types.includes('Files')) return;
        e.preventDefault();
        setDragging(false);
        void add(filesOf(e.dataTransfer), 'dropped');
      }}
    >
      <div class="composer-box">
        {attachments.length > 0 && (
          <ul class="attachments" aria-label="Images to send">
            {attachments.map((a) => (
              <li key={a.id}>
                <img class="thumb" src={blobUrlOf(a.url)} alt={a.name} />
                <button
                  type="button"
                  class="ghost remove-image"
                  aria-label={`Remove image ${a.name}`}
                  title="Remove"
                  onClick={() => remove(a)}
                >
                  ×
                </button>
              </li>
            ))}
          </ul>
        )}
        <label class="sr-only" for="message">
          Message
        </label>
        <textarea
          id="message"
          ref={box}
          rows={1}
          value={draft}
          placeholder="Message Parley"
          aria-describedby="composer-hint"
          onInput={(e) => setDraft(e.currentTarget.value)}
          onPaste={(e) => {
            const files = filesOf(e.clipboardData);
            if (files.length === 0) return;
            e.preventDefault();
            void add(files, 'pasted');
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
              e.preventDefault();
              send();
            }
          }}
        />
        {notice && (
          <p class="attach-notice" role="alert">
            {notice}
          </p>
        )}
        <div class="composer-bar">
          <div class="composer-tools">
            <button
              type="button"
              class="ghost attach"
              aria-label="Attach image"
              aria-disabled={images ? undefined : 'true'}
              aria-describedby={images ? undefined : 'attach-why'}
              title={images ? 'Attach an image (or paste or drop one)' : noImages}
              onClick={() => (images ? picker.current?.click() : setNotice(noImages))}
            >
              <Paperclip />
            </button>
            <input
              ref={picker}
              type="file"
              id="attach-file"
              class="sr-only"
              tabIndex={-1}
              aria-label="Image files to attach"
              accept={ACCEPT}
              multiple
              disabled={!images}
              onChange={(e) => {
                const input = e.currentTarget;
                void add([...(input.files ?? [])], 'attached').finally(() => (input.value = ''));
              }}
            />
            <label class="model-pick">
              <span class="sr-only">Model</span>
              <select
                id="model"
                aria-label="Model"
                value={conversation.model}
                onChange={(e) => void conversation.pickModel(e.currentTarget.value)}
              >
                {conversation.models.map((m) => (
                  <option value={m}>{m}</option>
                ))}
              </select>
            </label>
          </div>
          {streaming ? (
            <button
              type="button"
              class="send stop"
              aria-label="Stop"
              title="Stop (Escape)"
              onClick={() => conversation.stop()}
            >
              <StopSquare />
            </button>
          ) : (
            <button
              type="submit"
              class="send"
              aria-label="Send"
              title="Send (Enter)"
              disabled={!draft.trim() && attachments.length === 0}
            >
              <ArrowUp />
            </button>
          )}
        </div>
      </div>
      <p class="composer-hint" id="composer-hint">
        Enter sends, Shift+Enter adds a line.{' '}
        {images ? 'Paste or drop an image to attach it. ' : <span id="attach-why">{noImages} </span>}Press Ctrl+/ for
        keyboard shortcuts.
      </p>
    </form>
  );
}
