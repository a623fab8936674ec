// Performance marks for the Enter → first token painted budget (read by the browser tests and DevTools).

let waitingForFirstToken = false;

/** Marks the moment the user sent a message (Enter or the Send button). */
export function markSend(): void {
  performance.clearMarks('parley:send');
  performance.clearMarks('parley:first-token');
  performance.clearMeasures('parley:send-to-first-token');
  performance.mark('parley:send');
  waitingForFirstToken = true;
}

/** Marks the first answer text committed to the DOM after a send (once per send; call right after the DOM write). */
export function markFirstToken(): void {
  if (!waitingForFirstToken) return;
  waitingForFirstToken = false;
  performance.mark('parley:first-token');
  performance.measure('parley:send-to-first-token', 'parley:send', 'parley:first-token');
}
