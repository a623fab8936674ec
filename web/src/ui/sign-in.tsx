// The sign-in screen: paste an API key, or single sign-on when configured; the login link needs no screen.

import { useState } from 'preact/hooks';
import type { UiConfig } from '../api/types.js';

interface Props {
  oidc: UiConfig['oidc'];
  message: string | undefined;
  busy: boolean;
  onKey(key: string): void;
  onOidc(): void;
}

/** Sign-in form. */
export function SignIn({ oidc, message, busy, onKey, onOidc }: Props) {
  const [key, setKey] = useState('');
  return (
    <main class="signin" id="main">
      <h1>Parley</h1>
      <p class="muted">Sign in to chat.</p>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (key.trim()) onKey(key.trim());
        }}
      >
        <label for="api-key">API key</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autocomplete="off"
          spellcheck={false}
          placeholder="prl_…"
          value={key}
          onInput={(e) => setKey(e.currentTarget.value)}
          aria-describedby={message ? 'signin-error' : undefined}
          required
        />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
      {message && (
        <p id="signin-error" class="error-text" role="alert">
          {message}
        </p>
      )}
      {oidc && (
        <button type="button" class="secondary" onClick={onOidc} disabled={busy}>
          Sign in with single sign-on
        </button>
      )}
      <p class="muted small">
        First start? Open the one-time login link the server printed. Your key stays in this tab only and is forgotten
        when you close it.
      </p>
    </main>
  );
}
