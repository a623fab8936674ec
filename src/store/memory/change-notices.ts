// Change notices inside one process: every subscriber of a topic hears every publish at once.

import type { ChangeNotice, ChangeNotices } from '../types.js';

/** In-process ChangeNotices; the default when no Redis is configured. */
export class MemoryChangeNotices implements ChangeNotices {
  private readonly handlers = new Map<string, Set<(notice: ChangeNotice) => void>>();

  async publish(notice: ChangeNotice): Promise<void> {
    for (const handler of [...(this.handlers.get(notice.topic) ?? [])]) handler(notice);
  }

  subscribe(topic: string, handler: (notice: ChangeNotice) => void): () => void {
    let set = this.handlers.get(topic);
    if (!set) this.handlers.set(topic, (set = new Set()));
    set.add(handler);
    return () => set.delete(handler);
  }

  async close(): Promise<void> {
    this.handlers.clear();
  }
}
