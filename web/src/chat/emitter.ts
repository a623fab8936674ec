// A minimal change notifier (listeners are called synchronously, in subscription order).

/** Subscribe with `on`, notify with `emit`; `on` returns the unsubscribe function. */
export class Emitter {
  private readonly listeners = new Set<() => void>();

  on(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(): void {
    for (const listener of this.listeners) listener();
  }
}
