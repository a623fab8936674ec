// Shapes of the Parley API as the UI uses them (see docs/frontend.md).

/** A message stored in a session. */
export interface StoredMessage {
  id: string;
  role: 'user' | 'assistant' | 'system';
  content: string;
  createdAt: string;
  finishReason?: string;
  incomplete?: boolean;
  feedback?: { rating: string; reason?: string };
  /** The model that wrote an answer. */
  model?: string;
}

/** One entry of GET /v1/sessions (a session without its messages). */
export interface SessionSummary {
  id: string;
  object: 'session';
  model: string;
  title?: string;
  system?: string;
  createdAt: string;
  lastActiveAt: string;
  expiresAt: string;
}

/** GET/POST/PATCH /v1/sessions/{id} answer. */
export interface SessionView extends SessionSummary {
  messages: StoredMessage[];
}

/** `event: start` payload of a streamed answer. */
export interface StartEvent {
  messageId: string;
  userMessage: StoredMessage;
  model: string;
  protected: Record<string, number>;
}

/** Feedback reasons the server accepts (a fixed list). */
export const FEEDBACK_REASONS = ['helpful', 'accurate', 'inaccurate', 'unhelpful', 'unsafe', 'too-slow', 'other'] as const;
export type FeedbackReason = (typeof FEEDBACK_REASONS)[number];

/** GET /ui-config.json (optional). */
export interface UiConfig {
  oidc?: { issuer: string; clientId: string; scope?: string };
}
