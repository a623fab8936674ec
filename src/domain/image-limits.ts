// Limits of images in session messages: the one source of truth for the server (session API) and the web chat.
// Pure constants and wording, no imports: web/src reads this file too (the browser checks before upload).

/** Image types the session API and the web chat accept, with the name a person knows them by. */
export const IMAGE_TYPES: Readonly<Record<string, string>> = Object.freeze({
  'image/png': 'PNG',
  'image/jpeg': 'JPEG',
  'image/gif': 'GIF',
  'image/webp': 'WebP',
});

/**
 * The name of an accepted image type ("PNG"), or undefined: own keys only, so "constructor" or "__proto__" is no type.
 */
export function imageTypeName(mediaType: string): string | undefined {
  return Object.hasOwn(IMAGE_TYPES, mediaType) ? IMAGE_TYPES[mediaType] : undefined;
}

/**
 * Largest image, in bytes (decoded). 3 MiB: its base64 (4 MiB) stays under the smallest provider limit (Anthropic's 5
 * MB).
 */
export const MAX_IMAGE_BYTES = 3 * 1024 * 1024;

/** Most images in one message. */
export const MAX_IMAGES_PER_MESSAGE = 4;

/** "PNG, JPEG, GIF or WebP". */
export function imageTypeNames(): string {
  const names = Object.values(IMAGE_TYPES);
  return `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
}

/** A size for people, rounded up so a size over a limit never reads as the limit: "3 MB", "3.01 MB", "512 KB". */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Math.ceil((bytes / (1024 * 1024)) * 100) / 100} MB`;
  return `${Math.max(1, Math.ceil(bytes / 1024))} KB`;
}
