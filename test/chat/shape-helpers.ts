// What the structured shapes' tests share: one message through protectShapes, and the plain filter's answer.

import { protectShapes } from '../../src/chat/protect-shapes.js';
import type { ChatMessage } from '../../src/domain/index.js';
import { createPrivacyFilter } from '../../src/privacy/index.js';

/** The protected text of one message through protectShapes (a fresh filter, no earlier mapping), and its mapping. */
export function protectOne(message: ChatMessage): { text: string; mapping: Record<string, string> } {
  const result = protectShapes(createPrivacyFilter(), [message], {});
  return { text: result.messages[0].content, mapping: result.mapping };
}

/** The text as the plain filter protects a user's message: what a text that is no structure must come out as. */
export function protectedAsPlainText(text: string): string {
  return createPrivacyFilter().protect([{ role: 'user', content: text }]).messages[0].content;
}
