// Session use cases: create, read, delete, and send a message with the history kept in the session store.

import { ParleyError } from '../domain/index.js';
import type {
  ChatEvent,
  ChatMessage,
  ContentPart,
  Principal,
  RouteObserver,
  Session,
  StepTrace,
  SessionPatch,
  SessionSummary,
  StoredMessage,
} from '../domain/index.js';
import type { CacheStore, SessionStore } from '../store/types.js';
import type { ChatRun, ChatService } from './chat-service.js';
import { missingFeature } from './capabilities.js';
import { newId } from './ids.js';
import { trimToBudget } from './prompt.js';
import { checkImages, noVisionError } from './session-images.js';

/** Lifecycle facts for audit and metrics (ids only, never content). */
export interface SessionEventsSink {
  sessionCreated?(session: Session, requestId: string): void;
  sessionDeleted?(sessionId: string, ownerId: string, requestId: string): void;
  conversationTurn?(outcome: 'completed' | 'abandoned'): void;
  feedbackGiven?(rating: 'up' | 'down', reason?: string): void;
}

export interface SessionServiceDeps {
  store: SessionStore;
  cache: CacheStore;
  chat: ChatService;
  idleTtlMs: number;
  maxLifetimeMs: number;
  /** Live sessions one principal may hold; creating one more is refused with 429. */
  maxSessionsPerOwner?: number;
  events?: SessionEventsSink;
  clock?: () => number;
}

/** An answer being streamed into a session; iterate `events`, the assistant message is stored at the end. */
export interface MessageRun {
  /** The session's model alias. */
  model: string;
  userMessage: StoredMessage;
  assistantMessageId: string;
  run: ChatRun;
  events: AsyncIterable<ChatEvent>;
  /** The stored assistant message, once `events` is exhausted. */
  stored(): StoredMessage | undefined;
}

const NOT_FOUND = 'No session with this id exists (it may have expired or been deleted).';

/** A stored message as the model sees it: its text, then its images as image parts. */
function toChatMessage(m: StoredMessage): ChatMessage {
  if (!m.images?.length) return { role: m.role, content: m.content };
  const parts: ContentPart[] = m.content ? [{ type: 'text', text: m.content }] : [];
  for (const image of m.images) parts.push({ type: 'image', url: image.url });
  return { role: m.role, content: m.content, parts };
}

/** Session API behaviour; the owner check makes another principal's session look missing. */
export class SessionService {
  private readonly now: () => number;

  constructor(private readonly deps: SessionServiceDeps) {
    this.now = deps.clock ?? Date.now;
  }

  async create(
    principal: Principal,
    input: { model?: string; system?: string; title?: string },
    requestId: string,
  ): Promise<Session> {
    const model = input.model ?? this.deps.chat.modelNames()[0];
    this.deps.chat.resolveModel(model);
    const limit = this.deps.maxSessionsPerOwner;
    if (limit !== undefined && (await this.deps.store.countByOwner(principal.id)) >= limit) {
      throw new ParleyError(
        'rate_limited',
        `You already have ${limit} open sessions, the limit. Delete one (DELETE /v1/sessions/{id}) ` +
          `or let one expire, then retry.`,
      );
    }
    const now = this.now();
    const session: Session = {
      id: newId('ses'),
      ownerId: principal.id,
      model,
      systemPrompt: input.system,
      ...(input.title?.trim() ? { title: input.title.trim() } : {}),
      createdAt: now,
      lastActiveAt: now,
      expiresAt: now + this.deps.maxLifetimeMs,
      messages: [],
    };
    await this.deps.store.create(session);
    this.deps.events?.sessionCreated?.(session, requestId);
    return session;
  }

  /** The caller's own session, or the same 404 whether it is missing or someone else's. */
  async get(principal: Principal, id: string): Promise<Session> {
    const session = await this.deps.store.get(id);
    if (!session || session.ownerId !== principal.id) throw new ParleyError('not_found', NOT_FOUND, { param: 'id' });
    return session;
  }

  /** The caller's own live sessions (never anyone else's), most recently active first. */
  async list(principal: Principal): Promise<SessionSummary[]> {
    const sessions = await this.deps.store.listByOwner(principal.id);
    return sessions
      .filter((s) => s.ownerId === principal.id)
      .sort((a, b) => b.lastActiveAt - a.lastActiveAt || b.createdAt - a.createdAt);
  }

  /** Renames the session or switches its model (the next turn goes to the new model with the whole history). */
  async update(principal: Principal, id: string, patch: SessionPatch): Promise<Session> {
    await this.get(principal, id);
    if (patch.model !== undefined) this.deps.chat.resolveModel(patch.model);
    const title = patch.title?.trim();
    if (patch.title !== undefined && !title)
      throw new ParleyError('invalid_request', 'title must contain a visible character. Send a non-blank title.', {
        param: 'title',
      });
    const updated = await this.deps.store.patch(id, {
      ...(title ? { title } : {}),
      ...(patch.model !== undefined ? { model: patch.model } : {}),
    });
    if (!updated) throw new ParleyError('not_found', NOT_FOUND, { param: 'id' });
    return updated;
  }

  /** Idle expiry of a session as the client should display it. */
  expiresAt(session: Pick<Session, 'expiresAt' | 'lastActiveAt'>): number {
    return Math.min(session.expiresAt, session.lastActiveAt + this.deps.idleTtlMs);
  }

  /** Purges the session and every cached answer derived from it. */
  async delete(principal: Principal, id: string, requestId: string): Promise<void> {
    const session = await this.get(principal, id);
    await this.deps.store.delete(id);
    await this.deps.cache.deleteByTag(id);
    this.deps.events?.sessionDeleted?.(id, session.ownerId, requestId);
  }

  /** Purges any session regardless of owner (admin); false when it does not exist. */
  async purge(id: string, requestId: string): Promise<boolean> {
    const session = await this.deps.store.get(id);
    if (!session) return false;
    await this.deps.store.delete(id);
    await this.deps.cache.deleteByTag(id);
    this.deps.events?.sessionDeleted?.(id, session.ownerId, requestId);
    return true;
  }

  /** Records a rating on an assistant message. */
  async feedback(
    principal: Principal,
    id: string,
    messageId: string,
    rating: 'up' | 'down',
    reason?: string,
  ): Promise<StoredMessage> {
    const session = await this.get(principal, id);
    const message = session.messages.find((m) => m.id === messageId && m.role === 'assistant');
    if (!message)
      throw new ParleyError('not_found', 'No assistant message with this id exists in the session.', {
        param: 'messageId',
      });
    const updated: StoredMessage = { ...message, feedback: { rating, ...(reason ? { reason } : {}) } };
    if (!(await this.deps.store.updateMessage(id, updated))) throw new ParleyError('not_found', NOT_FOUND);
    this.deps.events?.feedbackGiven?.(rating, reason);
    return updated;
  }

  /**
   * Stores the user's message, then starts the answer. The user message is kept even when the answer
   * fails, so nothing the user typed is lost. `replaceFrom` drops that message and everything after it
   * first (regenerate, edit-and-resend).
   */
  async send(
    principal: Principal,
    id: string,
    input: {
      content: string;
      images?: readonly { url?: unknown }[];
      replaceFrom?: string;
      stream: boolean;
      cacheMode: 'use' | 'bypass' | 'default';
    },
    context: {
      requestId: string;
      signal: AbortSignal;
      traceHeaders?: Record<string, string>;
      observer?: RouteObserver;
      trace?: StepTrace;
    },
  ): Promise<MessageRun> {
    const images = checkImages(input.images);
    if (input.content === '' && images.length === 0) {
      throw new ParleyError('invalid_request', 'content is empty. Write a message, attach an image, or both.', {
        param: 'content',
      });
    }
    const session = await this.get(principal, id);
    const routed = this.deps.chat.resolveModel(session.model);
    let index = session.messages.length;
    if (input.replaceFrom !== undefined) {
      index = session.messages.findIndex((m) => m.id === input.replaceFrom);
      if (index < 0 || session.messages[index].role !== 'user') {
        throw new ParleyError('invalid_request', 'replaceFrom must be the id of a user message in this session.', {
          param: 'replaceFrom',
        });
      }
    }
    // Refused before anything is stored or dropped: images the model cannot take, or that policy blocks.
    const imageCount =
      images.length + session.messages.slice(0, index).reduce((n, m) => n + (m.images?.length ?? 0), 0);
    if (imageCount > 0) {
      const targets = routed.targets;
      if (targets !== undefined && !targets.some((t) => missingFeature(t, ['vision']) === undefined))
        throw noVisionError(session.model, images.length === 0);
      this.deps.chat.refuseBlockedImages(
        { requestId: context.requestId, principalId: principal.id, model: session.model, count: imageCount },
        true,
      );
    }
    if (input.replaceFrom !== undefined && !(await this.deps.store.truncate(id, index)))
      throw new ParleyError('not_found', NOT_FOUND);
    const userMessage: StoredMessage = {
      id: newId('msg'),
      role: 'user',
      content: input.content,
      createdAt: this.now(),
      ...(images.length > 0 ? { images } : {}),
    };
    if (!(await this.deps.store.append(id, [userMessage]))) throw new ParleyError('not_found', NOT_FOUND);

    // The prompt is the history this turn was sent on (read once, above) and the new message.
    const history: ChatMessage[] = [...session.messages.slice(0, index), userMessage].map(toChatMessage);
    if (session.systemPrompt) history.unshift({ role: 'system', content: session.systemPrompt });
    const prompt = trimToBudget(history, routed.config.contextTokens, routed.config.maxOutputTokens ?? 0);

    const run = await this.deps.chat.start({
      api: 'session',
      requestId: context.requestId,
      principal,
      model: session.model,
      messages: prompt,
      newMessagesFrom: prompt.length - 1,
      params: {},
      stream: input.stream,
      cacheMode: input.cacheMode,
      cacheTags: [id],
      mapping: session.pseudonyms,
      signal: context.signal,
      traceHeaders: context.traceHeaders,
      observer: context.observer,
      trace: context.trace,
    });
    if (Object.keys(run.protectedCounts).length > 0) await this.deps.store.append(id, [], run.mapping);

    const assistantMessageId = newId('msg');
    let stored: StoredMessage | undefined;
    const persist = async (text: string, reasoning: string, complete: boolean): Promise<void> => {
      const stats = run.stats;
      stored = {
        id: assistantMessageId,
        role: 'assistant',
        content: text,
        createdAt: this.now(),
        model: session.model,
        ...(stats.usage ? { usage: stats.usage } : {}),
        ...(stats.finishReason ? { finishReason: stats.finishReason } : {}),
        ...(complete ? {} : { incomplete: true }),
        ...(reasoning ? { reasoning } : {}),
      };
      if (complete || text) await this.deps.store.append(id, [stored]);
      this.deps.events?.conversationTurn?.(complete ? 'completed' : 'abandoned');
    };

    async function* events(): AsyncGenerator<ChatEvent> {
      let text = '';
      let reasoning = '';
      let complete = false;
      try {
        for await (const event of run) {
          if (event.type === 'text-delta') text += event.text;
          else if (event.type === 'reasoning-delta') reasoning += event.text;
          else if (event.type === 'finish') complete = true;
          yield event;
        }
      } finally {
        await persist(text, reasoning, complete);
      }
    }
    return { model: session.model, userMessage, assistantMessageId, run, events: events(), stored: () => stored };
  }
}
