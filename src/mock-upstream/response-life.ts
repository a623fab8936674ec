// One response's lifetime: cancellable waits and writes that all end when the client or server closes.

import type { ServerResponse } from 'node:http';

const SPLIT_BYTES = 5;

/**
 * Tracks whether a response's connection is still open. Every wait resolves (false) as soon as it
 * closes and clears its timer, so stalls and delays never outlive the client or `close()`.
 */
export class ResponseLife {
  closed = false;
  private timer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly res: ServerResponse) {
    res.once('close', () => {
      this.closed = true;
      if (this.timer !== undefined) clearTimeout(this.timer);
      this.timer = undefined;
      const wake = this.wake;
      this.wake = undefined;
      wake?.();
    });
  }

  /** Waits `ms`; resolves true if the connection is still open afterwards. */
  sleep(ms: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    if (!(ms > 0)) return Promise.resolve(true);
    return new Promise((resolve) => {
      this.wake = () => resolve(false);
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.wake = undefined;
        resolve(true);
      }, ms);
    });
  }

  /** Waits until the connection closes (a stall). */
  hang(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.wake = resolve;
    });
  }

  /** Writes `text`, waiting for the socket to take it; resolves false if the connection closed. */
  write(text: string): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    if (text === '') return Promise.resolve(true);
    return new Promise((resolve) => {
      this.wake = () => resolve(false);
      this.res.write(text, () => {
        this.wake = undefined;
        resolve(!this.closed);
      });
    });
  }

  /** Writes `text` in pieces of a few bytes, each flushed separately, splitting lines, JSON and UTF-8 sequences. */
  async writeSplit(text: string): Promise<boolean> {
    const bytes = Buffer.from(text, 'utf8');
    for (let at = 0; at < bytes.length; at += SPLIT_BYTES) {
      if (!(await this.writeBytes(bytes.subarray(at, at + SPLIT_BYTES)))) return false;
      await new Promise((resolve) => setImmediate(resolve));
    }
    return !this.closed;
  }

  private writeBytes(chunk: Buffer): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      this.wake = () => resolve(false);
      this.res.write(chunk, () => {
        this.wake = undefined;
        resolve(!this.closed);
      });
    });
  }

  /** Destroys the socket once what was written has left, so the client sees the bytes, then a broken connection. */
  async reset(): Promise<void> {
    const socket = this.res.socket;
    if (socket === null || this.closed) return;
    await new Promise((resolve) => setImmediate(resolve));
    if (socket.writableLength > 0 && !socket.destroyed) {
      await new Promise((resolve) => {
        socket.once('drain', resolve);
        socket.once('close', resolve);
      });
    }
    socket.destroy();
  }
}
