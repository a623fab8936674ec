// Images shown from data URLs through blob: URLs (the CSP allows img-src 'self' blob:, never data:).

const cache = new Map<string, string>();
const KEPT = 64;

/** A blob: URL for a base64 data URL of an image; the same one for the same image while it is in use. */
export function blobUrlOf(dataUrl: string): string {
  const known = cache.get(dataUrl);
  if (known) return known;
  const comma = dataUrl.indexOf(',');
  const type = /^data:([^;,]*)/.exec(dataUrl)?.[1] || 'application/octet-stream';
  let binary = '';
  try {
    binary = atob(dataUrl.slice(comma + 1));
  } catch {
    // not base64: an empty image, shown broken with its alt text
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  const url = URL.createObjectURL(new Blob([bytes], { type }));
  cache.set(dataUrl, url);
  if (cache.size > KEPT) {
    const [oldest, blob] = cache.entries().next().value as [string, string];
    cache.delete(oldest);
    URL.revokeObjectURL(blob);
  }
  return url;
}
