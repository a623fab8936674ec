// What each adapter type can translate, so the chat layer can refuse or skip a target before calling it.

/** A feature a request may need from its target. */
export type Feature = 'tools' | 'vision' | 'json_schema' | 'reasoning' | 'logprobs' | 'logit_bias';

/** Features each provider type's adapter carries faithfully (the demo provider answers text only). */
export const ADAPTER_FEATURES: Readonly<Record<string, readonly Feature[]>> = {
  openai: ['tools', 'vision', 'json_schema', 'reasoning', 'logprobs', 'logit_bias'],
  anthropic: ['tools', 'vision', 'json_schema', 'reasoning'],
  demo: [],
};
