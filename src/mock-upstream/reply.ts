// The mock's deterministic reply and token estimates, shared by both wire formats.

const LOREM = [
  'lorem',
  'ipsum',
  'dolor',
  'sit',
  'amet',
  'consectetur',
  'adipiscing',
  'elit',
  'sed',
  'do',
  'eiusmod',
  'tempor',
  'incididunt',
  'ut',
  'labore',
  'et',
  'dolore',
  'magna',
  'aliqua',
];

/**
 * The reply's tokens: "Mock", " reply:", then the last user message's words (each " word"), then
 * lorem words, exactly `count` tokens. Joined, they are the reply text tests can assert on.
 */
export function mockReplyTokens(lastUserText: string, count: number): string[] {
  const out: string[] = [];
  if (count <= 0) return out;
  out.push('Mock');
  if (count > 1) out.push(' reply:');
  const words = lastUserText.split(/\s+/);
  for (let i = 0; i < words.length && out.length < count; i++) {
    if (words[i] !== '') out.push(' ' + words[i]);
  }
  for (let i = 0; out.length < count; i++) out.push(' ' + LOREM[i % LOREM.length]);
  return out;
}

/** Splits an exact reply into word-sized tokens (each token keeps its leading whitespace). */
export function splitReplyText(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? [];
}

/** The full reply text for `count` tokens (the concatenation of {@link mockReplyTokens}). */
export function mockReplyText(lastUserText: string, count: number): string {
  return mockReplyTokens(lastUserText, count).join('');
}

/** The text of an OpenAI or Anthropic message content: a string or an array of parts/blocks. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let text = '';
  for (const part of content) {
    if (typeof part === 'object' && part !== null) {
      const value = (part as { text?: unknown }).text;
      if (typeof value === 'string') text += (text === '' ? '' : ' ') + value;
    }
  }
  return text;
}

/** Text of the last message with role "user", or "" when there is none. */
export function lastUserText(messages: unknown): string {
  if (!Array.isArray(messages)) return '';
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i] as { role?: unknown; content?: unknown } | null;
    if (message !== null && typeof message === 'object' && message.role === 'user') return contentText(message.content);
  }
  return '';
}

/**
 * Deterministic prompt token estimate: ceil(characters / 4) over the text of every message plus
 * the Anthropic `system` field (string or blocks).
 */
export function estimatePromptTokens(messages: unknown, system?: unknown): number {
  let chars = contentText(system).length;
  if (Array.isArray(messages)) {
    for (const message of messages) {
      if (message !== null && typeof message === 'object')
        chars += contentText((message as { content?: unknown }).content).length;
    }
  }
  return Math.ceil(chars / 4);
}
