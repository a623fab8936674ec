// Ed25519 key handling for audit checkpoints: generate a pair, load a private key, load a public key.

import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';

/** A fresh Ed25519 pair as PEM (PKCS#8 private, SPKI public). Keep the private one 0600, publish the public one. */
export function generateAuditSigningKeys(): { privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** Parses a PEM private key and checks that it is Ed25519 (the only algorithm checkpoints use). */
export function loadAuditPrivateKey(pem: string): KeyObject {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new Error(
      `The audit signing key is ${String(key.asymmetricKeyType)}; generate an Ed25519 key with "parley audit keygen"`,
    );
  }
  return key;
}

/** Parses a PEM public key (or derives it from a private key PEM) and checks that it is Ed25519. */
export function loadAuditPublicKey(pem: string): KeyObject {
  const key = pem.includes('PRIVATE KEY') ? createPublicKey(createPrivateKey(pem)) : createPublicKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new Error(`The audit public key is ${String(key.asymmetricKeyType)}; checkpoints are signed with Ed25519`);
  }
  return key;
}
