// The open chat: messages, the streaming answer, stop/regenerate/edit/retry, feedback, model and system prompt, and the
// chat list.

import { ApiError, describeError } from '../api/api-error.js';
import type { ParleyClient } from '../api/client.js';
import type { FeedbackReason, ImageRef, ModelInfo } from '../api/types.js';
import { entryOf, loadOpenChat, saveOpenChat, titleOf, upsertChat, type ChatEntry } from './chat-list.js';
import { Emitter } from './emitter.js';
import { lastOfRole, storedCopyOf, type ErrorState, type UiMessage } from './ui-message.js';

export type { ErrorState, UiMessage } from './ui-message.js';

let localIds = 0;

/** One controller per signed-in tab; `changes` fires on every state change except streamed text (`text`). */
export class Conversation {
  readonly changes = new Emitter();
  /** Fires on each streamed delta; read `streamText`. */
  readonly text = new Emitter();
  sessionId: string | undefined;
  model: string | undefined;
  /** Model names for the picker. */
  readonly models: string[];
  messages: UiMessage[] = [];
  /** The caller's chats from the server, most recently active first. */
  chats: ChatEntry[] = [];
  /** The open chat's system prompt (undefined: none or a new chat). */
  systemPrompt: string | undefined;
  /** The system prompt typed for the next new chat. */
  systemDraft = '';
  streaming = false;
  streamText = '';
  /** Reasoning streamed so far with the answer (fires `text` too). */
  streamReasoning = '';
  error: ErrorState | undefined;
  status = '';
  private abort: AbortController | undefined;
  private failedContent: string | undefined;
  private failedImages: ImageRef[] | undefined;
  /** Models that take images: "vision" in their capabilities, or none configured (then the server lets the provider
   * decide). */
  private readonly imageModels: ReadonlySet<string>;
  /** Bumped when another chat is shown, so a stream still settling cannot write into it. */
  private epoch = 0;

  constructor(
    private readonly client: ParleyClient,
    models: ModelInfo[],
    private readonly onSignOut: (reason: string) => void,
  ) {
    this.models = models.map((m) => m.id);
    this.imageModels = new Set(
      models.filter((m) => !m.capabilities || m.capabilities.includes('vision')).map((m) => m.id),
    );
    this.model = this.models[0];
    void this.refreshChats();
    const reopen = loadOpenChat();
    if (reopen) void this.open(reopen);
  }

  private update(
    patch: Partial<
      Pick<
        Conversation,
        'messages' | 'streaming' | 'error' | 'status' | 'sessionId' | 'model' | 'chats' | 'systemPrompt' | 'systemDraft'
      >
    >,
  ): void {
    Object.assign(this, patch);
    if ('sessionId' in patch) saveOpenChat(this.sessionId);
    this.changes.emit();
  }

  /** True when `model` (default: the current one) accepts images. */
  acceptsImages(model = this.model): boolean {
    return model !== undefined && this.imageModels.has(model);
  }

  /** Reloads the chat list from the server (GET /v1/sessions). */
  async refreshChats(): Promise<void> {
    try {
      this.update({ chats: (await this.client.listSessions()).map(entryOf) });
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) this.fail(error);
    }
  }

  private fail(error: unknown): void {
    const described = describeError(error);
    if (described.signOut) return this.onSignOut(described.title);
    if (described.expired && this.sessionId) this.dropChat(this.sessionId);
    this.update({
      error: {
        title: described.title,
        detail: described.detail,
        retryAt: described.retryAfterSeconds ? Date.now() + described.retryAfterSeconds * 1000 : undefined,
        expired: described.expired,
      },
      status: described.title,
    });
  }

  private dropChat(id: string): void {
    if (id === this.sessionId) saveOpenChat(undefined);
    this.update({ chats: this.chats.filter((c) => c.id !== id) });
  }

  /** Stops any answer and forgets per-chat state before another chat is shown. */
  private leave(): void {
    this.stop();
    this.epoch++;
    this.failedContent = undefined;
    this.failedImages = undefined;
    this.streaming = false;
  }

  /** Starts an empty chat (the session is created with the first message). */
  newChat(): void {
    this.leave();
    this.update({
      sessionId: undefined,
      messages: [],
      error: undefined,
      systemPrompt: undefined,
      systemDraft: '',
      status: 'New chat',
      model: this.models.includes(this.model ?? '') ? this.model : this.models[0],
    });
  }

  /** Picks the model: of the next new chat, or (PATCH) of the open chat from its next answer on, with the whole
   * history. */
  async pickModel(model: string): Promise<void> {
    const id = this.sessionId;
    const before = this.model;
    this.update({ model });
    if (!id) return;
    try {
      const session = await this.client.updateSession(id, { model });
      this.update({
        chats: this.chats.map((c) => (c.id === id ? { ...c, model: session.model } : c)),
        status: `Next answers come from ${session.model}.`,
      });
    } catch (error) {
      if (this.sessionId === id) this.update({ model: before });
      this.fail(error);
    }
  }

  /** Renames a chat (PATCH /v1/sessions/{id}). */
  async rename(id: string, title: string): Promise<void> {
    const name = title.trim();
    const entry = this.chats.find((c) => c.id === id);
    if (!name || !entry || entry.title === name) return;
    this.update({ chats: this.chats.map((c) => (c.id === id ? { ...c, title: name } : c)) });
    try {
      await this.client.updateSession(id, { title: name });
      this.update({ status: `Chat renamed to ${name}.` });
    } catch (error) {
      this.update({ chats: this.chats.map((c) => (c.id === id ? { ...c, title: entry.title } : c)) });
      this.fail(error);
    }
  }

  /** Sets the system prompt of the next new chat. */
  setSystemDraft(text: string): void {
    this.update({ systemDraft: text });
  }

  /** Opens a chat of the list. */
  async open(id: string): Promise<void> {
    this.leave();
    this.update({ sessionId: id, messages: [], error: undefined, systemPrompt: undefined, status: 'Loading chat…' });
    try {
      const session = await this.client.getSession(id);
      if (this.sessionId !== id) return;
      const entry = entryOf(session);
      this.update({
        messages: session.messages.filter((m) => m.role !== 'system'),
        model: session.model,
        systemPrompt: session.system,
        status: `Opened chat ${entry.title}`,
        chats: this.chats.some((c) => c.id === id)
          ? this.chats.map((c) => (c.id === id ? entry : c))
          : upsertChat(this.chats, entry),
      });
    } catch (error) {
      this.fail(error);
    }
  }

  /** Deletes a chat on the server (DELETE) and from this tab. */
  async forget(id: string): Promise<void> {
    if (id === this.sessionId) this.leave();
    try {
      await this.client.deleteSession(id);
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) return this.fail(error);
    }
    this.dropChat(id);
    if (id === this.sessionId) this.update({ sessionId: undefined, messages: [], error: undefined });
    this.update({ status: 'Chat forgotten: its messages were deleted.' });
  }

  /** Sends a message with optional images (or, with `replaceFrom`, replaces that user message and everything after it).
   * */
  async send(content: string, replaceFrom?: string, images?: ImageRef[]): Promise<void> {
    const text = content.trim();
    const attached = images?.length ? images : undefined;
    if (this.streaming || (text === '' && !attached)) return;
    const pending: UiMessage = {
      id: `local-${++localIds}`,
      role: 'user',
      content: text,
      createdAt: new Date().toISOString(),
      pending: true,
      ...(attached ? { images: attached } : {}),
    };
    const cut = replaceFrom ? this.messages.findIndex((m) => m.id === replaceFrom) : -1;
    const kept = (cut >= 0 ? this.messages.slice(0, cut) : this.messages).filter((m) => !m.pending);
    this.failedContent = undefined;
    this.failedImages = undefined;
    this.streamText = '';
    this.streamReasoning = '';
    this.update({ messages: [...kept, pending], streaming: true, error: undefined, status: 'Answer starting…' });
    const abort = (this.abort = new AbortController());
    const epoch = this.epoch;
    const current = () => epoch === this.epoch;
    let answerId: string | undefined;
    try {
      let sessionId = this.sessionId;
      if (!sessionId) {
        const session = await this.client.createSession({
          model: this.model,
          system: this.systemDraft.trim(),
          title: titleOf(text || 'Image'),
        });
        if (!current()) return;
        sessionId = session.id;
        this.update({
          sessionId,
          model: session.model,
          systemPrompt: session.system,
          systemDraft: '',
          chats: upsertChat(this.chats, entryOf(session)),
        });
      }
      await this.client.send(
        sessionId,
        { content: text, images: attached },
        replaceFrom,
        {
          onStart: (event) => {
            answerId = event.messageId;
            if (!current()) return;
            const items = Object.values(event.protected ?? {}).reduce((a, b) => a + b, 0);
            // The start event leaves the images out (they were just sent): keep the ones this tab holds.
            const { imageCount: _count, ...stored } = event.userMessage;
            const confirmed: UiMessage = {
              ...stored,
              protectedItems: items || undefined,
              ...(attached ? { images: attached } : {}),
            };
            this.update({ messages: this.messages.map((m) => (m === pending ? confirmed : m)), status: 'Answering…' });
          },
          onReasoning: (delta) => {
            if (!current()) return;
            this.streamReasoning += delta;
            this.text.emit();
          },
          onDelta: (delta) => {
            if (!current()) return;
            this.streamText += delta;
            this.text.emit();
          },
          onDone: (message) => {
            if (!current()) return;
            const answer: UiMessage = message ?? {
              id: answerId ?? `local-${++localIds}`,
              role: 'assistant',
              content: this.streamText,
              createdAt: new Date().toISOString(),
              ...(this.streamReasoning ? { reasoning: this.streamReasoning } : {}),
            };
            this.update({ messages: [...this.messages, answer], streaming: false, status: 'Answer complete.' });
          },
        },
        abort.signal,
      );
      this.refreshExpiry(sessionId);
    } catch (error) {
      if (!current()) return;
      const partial = this.streamText;
      const stopped = abort.signal.aborted;
      const messages = this.messages.slice();
      const reasoning = this.streamReasoning ? { reasoning: this.streamReasoning } : {};
      if (answerId && partial)
        messages.push({
          id: answerId,
          role: 'assistant',
          content: partial,
          createdAt: new Date().toISOString(),
          incomplete: true,
          stopped,
          ...reasoning,
        });
      if (stopped) {
        this.update({ messages, streaming: false, status: 'Stopped.' });
      } else {
        this.failedContent = text;
        this.failedImages = attached;
        this.update({ messages, streaming: false });
        this.fail(error);
      }
    } finally {
      if (this.abort === abort) this.abort = undefined;
      if (current() && this.streaming) this.update({ streaming: false });
    }
  }

  /** Stops the answer being streamed (the server keeps the partial answer, marked incomplete). */
  stop(): void {
    this.abort?.abort();
  }

  /** The last user message confirmed by the server. */
  lastUserMessage(): UiMessage | undefined {
    return lastOfRole(this.messages, 'user');
  }

  /** The last finished answer (for the copy shortcut). */
  lastAnswer(): UiMessage | undefined {
    return lastOfRole(this.messages, 'assistant');
  }

  /** Asks again: resends the last user message in place of itself and the answers after it. */
  regenerate(): Promise<void> {
    const last = this.lastUserMessage();
    return last ? this.send(last.content, last.id, last.images) : Promise.resolve();
  }

  /** Replaces the last user message with new text and asks again. */
  editLast(content: string): Promise<void> {
    const last = this.lastUserMessage();
    return last ? this.send(content, last.id, last.images) : this.send(content);
  }

  /** Retries after an error, reconciling with the server first (the user message may already be stored). */
  async retry(): Promise<void> {
    const content = this.failedContent;
    const images = this.failedImages;
    if (this.error?.expired) return this.newChat();
    this.update({ error: undefined });
    if (content === undefined) return this.regenerate();
    if (!this.sessionId) return this.send(content, undefined, images);
    try {
      const session = await this.client.getSession(this.sessionId);
      const messages = session.messages.filter((m) => m.role !== 'system');
      this.update({ messages });
      const stored = storedCopyOf(messages, content);
      return stored ? this.send(content, stored.id, images) : this.send(content, undefined, images);
    } catch (error) {
      this.fail(error);
    }
  }

  /** Thumbs up or down on an answer. */
  async rate(messageId: string, rating: 'up' | 'down', reason?: FeedbackReason): Promise<void> {
    if (!this.sessionId) return;
    const before = this.messages;
    this.update({
      messages: this.messages.map((m) => (m.id === messageId ? { ...m, feedback: { rating, reason } } : m)),
    });
    try {
      await this.client.feedback(this.sessionId, messageId, rating, reason);
      this.update({ status: rating === 'up' ? 'Thanks: marked as helpful.' : 'Thanks: marked as not helpful.' });
    } catch (error) {
      this.update({ messages: before });
      if (error instanceof ApiError && error.status === 404)
        this.update({ error: { title: 'This answer can no longer be rated: the chat may have expired.' } });
      else this.fail(error);
    }
  }

  private refreshExpiry(id: string): void {
    void this.client.getSession(id).then(
      (session) => {
        const entry = this.chats.find((c) => c.id === id);
        if (entry) this.update({ chats: upsertChat(this.chats, { ...entry, expiresAt: session.expiresAt }) });
      },
      () => undefined,
    );
  }

  /** Announces a short status (screen readers read the status region). */
  say(status: string): void {
    this.update({ status });
  }

  /** Dismisses the error banner. */
  dismissError(): void {
    this.update({ error: undefined });
  }
}
