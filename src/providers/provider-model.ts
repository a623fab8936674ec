// The concrete adapter shape: a ChatModel that also owns (and can close) its connection pool.

import type { ChatModel } from './types.js';

/** A provider adapter. `close()` ends its keep-alive pool (a no-op for injected dispatchers and the demo). */
export interface ProviderModel extends ChatModel {
  close(): Promise<void>;
}
