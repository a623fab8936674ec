// Re-render a component whenever an Emitter fires.

import { useEffect, useReducer } from 'preact/hooks';
import type { Emitter } from '../chat/emitter.js';

/** Subscribes the calling component to `emitter`. */
export function useEmitter(emitter: Emitter): void {
  const [, bump] = useReducer((n: number, _action: undefined) => n + 1, 0);
  useEffect(() => emitter.on(() => bump(undefined)), [emitter]);
}
