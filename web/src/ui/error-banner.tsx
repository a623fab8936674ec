// An error in plain words with a retry; a rate-limit refusal counts down until retrying makes sense.

import { useEffect, useState } from 'preact/hooks';
import type { Conversation, ErrorState } from '../chat/conversation.js';

/** The current error, if any. */
export function ErrorBanner({ error, conversation }: { error: ErrorState; conversation: Conversation }) {
  const [now, setNow] = useState(Date.now());
  const wait = error.retryAt ? Math.max(0, Math.ceil((error.retryAt - now) / 1000)) : 0;
  useEffect(() => {
    if (!error.retryAt) return;
    const timer = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(timer);
  }, [error.retryAt]);
  return (
    <div class="error-banner" role="alert">
      <p class="error-title">{error.title}</p>
      {error.detail && <p class="small">{error.detail}</p>}
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
