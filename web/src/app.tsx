// The application shell: boot (login link, OIDC callback, saved key), sign-in, then the chat screen.

import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError, describeError } from './api/api-error.js';
import { ParleyClient, publicJson } from './api/client.js';
import type { ModelInfo, UiConfig } from './api/types.js';
import { clearKey, loadKey, saveKey } from './auth/credentials.js';
import { exchangeLoginToken } from './auth/login-link.js';
import { completeOidcLogin, startOidcLogin } from './auth/oidc.js';
import { saveOpenChat } from './chat/chat-list.js';
import { Conversation } from './chat/conversation.js';
import { ChatScreen } from './ui/chat-screen.js';
import { SignIn } from './ui/sign-in.js';

type Phase =
  | { kind: 'booting' }
  | { kind: 'signed-out'; message?: string }
  | { kind: 'signed-in'; client: ParleyClient; models: ModelInfo[] };

/** Verifies a credential with GET /v1/models (the model list is needed anyway). */
async function verify(apiKey: string): Promise<{ client: ParleyClient; models: ModelInfo[] }> {
  const client = new ParleyClient(apiKey);
  return { client, models: await client.models() };
}

function signInMessage(error: unknown): string {
  if (error instanceof ApiError && error.status === 401) return 'This key was not accepted. Check it and try again.';
  if (error instanceof ApiError) return describeError(error).title;
  return error instanceof Error ? error.message : String(error);
}

/** Root component; `loginToken` was taken from the address bar before the first render. */
export function App({ loginToken }: { loginToken: string | undefined }) {
  const [phase, setPhase] = useState<Phase>({ kind: 'booting' });
  const [busy, setBusy] = useState(false);
  const [demo, setDemo] = useState(false);
  const [uiConfig, setUiConfig] = useState<UiConfig>({});

  const signOut = (message?: string) => {
    clearKey();
    saveOpenChat(undefined);
    setPhase({ kind: 'signed-out', message });
  };

  const accept = async (apiKey: string, failure: (e: unknown) => string = signInMessage) => {
    setBusy(true);
    try {
      const verified = await verify(apiKey);
      saveKey(apiKey);
      setPhase({ kind: 'signed-in', ...verified });
    } catch (error) {
      clearKey();
      setPhase({ kind: 'signed-out', message: failure(error) });
    } finally {
      setBusy(false);
    }
  };

  useEffect(() => {
    void publicJson<{ demo?: boolean }>('/readyz').then((r) => setDemo(r?.demo === true));
    void publicJson<UiConfig>('/ui-config.json').then((c) => c && setUiConfig(c));
    void (async () => {
      try {
        if (loginToken) {
          const key = await exchangeLoginToken(loginToken);
          return await accept(key);
        }
        const oidcToken = await completeOidcLogin();
        if (oidcToken) return await accept(oidcToken);
      } catch (error) {
        const expired =
          error instanceof ApiError && (error.status === 401 || error.status === 404 || error.status === 410);
        return setPhase({
          kind: 'signed-out',
          message: expired
            ? 'This login link was already used or has expired. Paste an API key instead.'
            : signInMessage(error),
        });
      }
      const saved = loadKey();
      if (saved) return accept(saved, () => 'Your saved key is no longer accepted. Sign in again.');
      setPhase({ kind: 'signed-out' });
    })();
  }, []);

  const conversation = useMemo(
    () =>
      phase.kind === 'signed-in'
        ? new Conversation(phase.client, phase.models, (reason) => signOut(reason))
        : undefined,
    [phase],
  );

  if (phase.kind === 'booting')
    return (
      <p class="booting" role="status">
        Loading Parley…
      </p>
    );
  if (phase.kind === 'signed-out' || !conversation) {
    return (
      <SignIn
        oidc={uiConfig.oidc}
        busy={busy}
        message={phase.kind === 'signed-out' ? phase.message : undefined}
        onKey={(key) => void accept(key)}
        onOidc={() => {
          if (!uiConfig.oidc) return;
          setBusy(true);
          startOidcLogin(uiConfig.oidc).catch((error: unknown) => {
            setBusy(false);
            setPhase({ kind: 'signed-out', message: signInMessage(error) });
          });
        }}
      />
    );
  }
  return <ChatScreen conversation={conversation} demo={demo} onSignOut={() => signOut()} />;
}
