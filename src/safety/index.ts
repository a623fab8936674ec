// Safety module surface: the output content policy and its streaming guard.
export * from './output-policy.js';
