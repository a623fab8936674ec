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
  /** Images of a user message (base64 data URLs), in order. */
  images?: ImageRef[];
  /** Reasoning the model returned with an answer (shown collapsed). */
  reasoning?: string;
}

/** An image part of a message. */
export interface ImageRef {
  url: string;
}

/** One entry of GET /v1/models. */
export interface ModelInfo {
  id: string;
  /** Configured capabilities; absent: not configured (the server assumes the targets can). */
  capabilities?: string[];
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
  /** The stored user message; its images are left out (imageCount says how many). */
  userMessage: StoredMessage & { imageCount?: number };
  model: string;
  protected: Record<string, number>;
}

/** Feedback reasons the server accepts (a fixed list). */
export const FEEDBACK_REASONS = [
  'helpful',
  'accurate',
  'inaccurate',
  'unhelpful',
  'unsafe',
  'too-slow',
  'other',
] as const;
export type FeedbackReason = (typeof FEEDBACK_REASONS)[number];

/** GET /ui-config.json (optional). */
export interface UiConfig {
  oidc?: { issuer: string; clientId: string; scope?: string };
}
