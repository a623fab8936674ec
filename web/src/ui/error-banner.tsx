// An error in plain words with a retry; when the server sent Retry-After, the Retry button is the one countdown.

import { useEffect, useState } from 'preact/hooks';
import type { Conversation, ErrorState } from '../chat/conversation.js';

/** The current error, if any. */
export function ErrorBanner({ error, conversation }: { error: ErrorState; conversation: Conversation }) {
  const [now, setNow] = useState(Date.now());
  const wait = error.retryAt ? Math.max(0, Math.ceil((error.retryAt - now) / 1000)) : 0;
  useEffect(() => {
    if (!error.retryAt) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(timer);
  }, [error.retryAt]);
  return (
    <div class="error-banner" role="alert">
      <div class="error-text-block">
        <p class="error-title">{error.title}</p>
        {error.detail && <p class="error-detail">{error.detail}</p>}
      </div>
      <div class="actions">
        <button type="button" class="primary" disabled={wait > 0} onClick={() => void conversation.retry()}>
          {error.expired ? 'Start a new chat' : wait > 0 ? `Retry in ${wait} s` : 'Retry'}
        </button>
        <button type="button" onClick={() => conversation.dismissError()}>
          Dismiss
        </button>
      </div>
    </div>
  );
}
