// Optional HTTPS: certificate and key read through secret references and swapped in without a restart when they change.

import { createSecureContext, type Server as TlsServer } from 'node:tls';
import type { SecretRef } from '../config/types.js';

/** A PEM certificate chain and its private key. */
export interface TlsMaterial {
  cert: string;
  key: string;
}

/** What TLS needs from the secret resolver (src/config/secrets.ts). */
export interface TlsSecretSource {
  resolve(ref: SecretRef): Promise<string>;
  watch(ref: SecretRef, onChange: (value: string) => void): () => void;
}

/** Reports of a running reloader; neither ever carries key material. */
export interface TlsReloadEvents {
  /** A new certificate is being served. */
  onReload?(): void;
  /** A changed pair could not be used (e.g. only one of the two files was replaced so far); the previous one stays. */
  onError?(error: Error): void;
}

/** Checks that a pair can be served; the message names the settings, never the material. */
function checkPair(material: TlsMaterial): void {
  try {
    createSecureContext(material);
  } catch (error) {
    throw new Error(
      `server.tls: the certificate and key cannot be used together (${(error as Error).message}) ` +
        `— check that server.tls.cert and server.tls.key hold a matching PEM certificate and private key`,
      { cause: error },
    );
  }
}

/**
 * Reads the certificate and key at start-up; throws with a message naming server.tls when they are missing or do not
 * match.
 */
export async function loadTlsMaterial(
  refs: { cert: SecretRef; key: SecretRef },
  secrets: TlsSecretSource,
): Promise<TlsMaterial> {
  const [cert, key] = await Promise.all([
    secrets.resolve(refs.cert).catch((error: Error) => Promise.reject(new Error(`server.tls.cert: ${error.message}`))),
    secrets.resolve(refs.key).catch((error: Error) => Promise.reject(new Error(`server.tls.key: ${error.message}`))),
  ]);
  const material = { cert, key };
  checkPair(material);
  return material;
}

/**
 * Watches both references and installs a changed pair with `server.setSecureContext`: new connections get
 * the new certificate, open ones keep theirs. A pair that does not fit (one file replaced before the other)
 * is reported and skipped; the next change completes it. Returns a function that stops watching.
 */
export function watchTlsMaterial(
  server: TlsServer,
  refs: { cert: SecretRef; key: SecretRef },
  secrets: TlsSecretSource,
  initial: TlsMaterial,
  events: TlsReloadEvents = {},
): () => void {
  const current: TlsMaterial = { ...initial };
  let served = `${initial.cert}\u0000${initial.key}`;
  const apply = (): void => {
    const next = `${current.cert}\u0000${current.key}`;
    if (next === served) return;
    try {
      checkPair(current);
      server.setSecureContext({ cert: current.cert, key: current.key });
      served = next;
      events.onReload?.();
    } catch (error) {
      events.onError?.(error as Error);
    }
  };
  const stops = [
    secrets.watch(refs.cert, (value) => {
      current.cert = value;
      apply();
    }),
    secrets.watch(refs.key, (value) => {
      current.key = value;
      apply();
    }),
  ];
  return () => {
    for (const stop of stops) stop();
  };
}
