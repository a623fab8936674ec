// Sealing of content at rest: AES-256-GCM, one random IV per record, a key id in every record, old keys still read.

import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const SEALED = 's1';
const PLAIN = 'p1';

/** A record that cannot be opened: unknown key id (rotated out), tampered, bound to another context, or not sealed. */
export class UnreadableRecordError extends Error {
  override readonly name = 'UnreadableRecordError';
}

/** Parses a state key: 32 bytes as base64 (or base64url) or as 64 hex digits. The message never contains the key. */
export function parseStateKey(text: string): Buffer {
  const value = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  const bytes = /^[A-Za-z0-9+/_-]+={0,2}$/.test(value) ? Buffer.from(value, 'base64') : Buffer.alloc(0);
  if (bytes.length !== 32) {
    throw new Error(
      `the key must be 32 bytes written as base64 or 64 hex digits (got ` +
        `${bytes.length ? `${bytes.length} bytes` : 'neither'}); make one with: openssl rand -base64 32`,
    );
  }
  return bytes;
}

/**
 * Short public id of a key (first 8 hex digits of a SHA-256 of it), stored in each record to pick the key that opens
 * it.
 */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update('parley-state-key\0').update(key).digest('hex').slice(0, 8);
}

/**
 * Seals and opens records. The current key writes; previous keys only read. `context` (e.g. `session:ses_1`) is
 * authenticated with the record, so a record moved to another key of the store does not open.
 * Without any key the sealer writes plain records (`p1:`), allowed only on loopback and announced loudly at start.
 */
export class Sealer {
  private readonly keys = new Map<string, Buffer>();
  private readonly currentId?: string;

  constructor(current?: Buffer, previous: Buffer[] = []) {
    for (const key of [...previous, ...(current ? [current] : [])]) {
      if (key.length !== 32) throw new Error('state keys must be 32 bytes');
      this.keys.set(keyIdOf(key), key);
    }
    this.currentId = current ? keyIdOf(current) : undefined;
  }

  /** True when records are encrypted. */
  get encrypting(): boolean {
    return this.currentId !== undefined;
  }

  /** `s1:<keyId>:<base64 iv|ciphertext|tag>`, or `p1:<text>` (in clear) without a key. */
  seal(text: string, context: string): string {
    const id = this.currentId;
    if (!id) return `${PLAIN}:${text}`;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(id)!, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([iv, cipher.update(text, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${SEALED}:${id}:${body.toString('base64')}`;
  }

  /** The text of a record sealed under any known key; throws UnreadableRecordError otherwise. */
  open(record: string, context: string): string {
    if (record.startsWith(`${PLAIN}:`)) {
      if (this.encrypting)
        throw new UnreadableRecordError('a plain (unsealed) record was found while encryption is on');
      return record.slice(PLAIN.length + 1);
    }
    const [version, id, body] = record.split(':');
    const key = version === SEALED && id ? this.keys.get(id) : undefined;
    if (!key || !body)
      throw new UnreadableRecordError(
        version === SEALED ? `record sealed under unknown key id ${id}` : 'not a sealed record',
      );
    const bytes = Buffer.from(body, 'base64');
    if (bytes.length < IV_BYTES + TAG_BYTES) throw new UnreadableRecordError('sealed record too short');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
      return Buffer.concat([
        decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new UnreadableRecordError(`sealed record under key id ${id} failed authentication`);
    }
  }

  /** Seals a JSON value. */
  sealJson(value: unknown, context: string): string {
    return this.seal(JSON.stringify(value), context);
  }

  /** Opens a JSON value sealed by `sealJson`. */
  openJson<T>(record: string, context: string): T {
    return JSON.parse(this.open(record, context)) as T;
  }
}
