// Keyboard shortcuts of the chat screen (Ctrl or ⌘): one table for the handler and the help dialog.

import { useEffect } from 'preact/hooks';
import type { Conversation } from '../chat/conversation.js';

/** One shortcut as the help dialog lists it. */
export interface Shortcut {
  keys: string[];
  does: string;
}

/** Every shortcut, in the order the help dialog lists them. */
export const SHORTCUTS: Shortcut[] = [
  { keys: ['Ctrl', 'Shift', 'O'], does: 'New chat' },
  { keys: ['Shift', 'Esc'], does: 'Focus the message box' },
  { keys: ['Esc'], does: 'Stop the answer' },
  { keys: ['Ctrl', 'Shift', 'C'], does: 'Copy the last answer' },
  { keys: ['Ctrl', '/'], does: 'Show these shortcuts' },
  { keys: ['Enter'], does: 'Send the message' },
  { keys: ['Shift', 'Enter'], does: 'New line in the message' },
];

/** Focuses the message box. */
export function focusComposer(): void {
  document.getElementById('message')?.focus();
}

/** Installs the page-wide shortcuts while the chat screen is shown. */
export function useShortcuts(
  conversation: Conversation,
  actions: { showHelp(): void; copied(ok: boolean): void },
): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const mod = e.ctrlKey || e.metaKey;
      const key = e.key.toLowerCase();
      if (mod && e.shiftKey && key === 'o') {
        e.preventDefault();
        conversation.newChat();
        focusComposer();
      } else if (e.shiftKey && e.key === 'Escape') {
        e.preventDefault();
        focusComposer();
      } else if (mod && e.shiftKey && key === 'c') {
        e.preventDefault();
        const answer = conversation.lastAnswer();
        if (answer)
          navigator.clipboard.writeText(answer.content).then(
            () => actions.copied(true),
            () => actions.copied(false),
          );
      } else if (mod && (e.key === '/' || e.code === 'Slash')) {
        e.preventDefault();
        actions.showHelp();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [conversation, actions]);
}
