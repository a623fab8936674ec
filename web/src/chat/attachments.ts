// Images picked, pasted or dropped into the composer: checked against the server's limits before upload, read as data
// URLs.
// Loaded on first use (dynamic import), so it costs nothing in the initial JS.

import {
  formatBytes,
  imageTypeName,
  imageTypeNames,
  MAX_IMAGE_BYTES,
  MAX_IMAGES_PER_MESSAGE,
} from '../../../src/domain/image-limits.js';

/** An image waiting in the composer. */
export interface Attachment {
  id: string;
  name: string;
  /** The image as a base64 data URL (what the session API takes). */
  url: string;
}

let ids = 0;

/** Why a file cannot be attached, in plain words; undefined when it can. */
function refusalOf(file: File): string | undefined {
  const name = file.name || 'The pasted image';
  if (imageTypeName(file.type) === undefined) {
    const type = file.type ? ` (${file.type})` : '';
    return `${name} cannot be attached: it is not a ${imageTypeNames()} image${type}.`;
  }
  if (file.size > MAX_IMAGE_BYTES) {
    return (
      `${name} cannot be attached: it is ${formatBytes(file.size)}, ` +
      `and images may be at most ${formatBytes(MAX_IMAGE_BYTES)}.`
    );
  }
  return undefined;
}

function readAsDataUrl(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error ?? new Error('The file could not be read.'));
    reader.readAsDataURL(file);
  });
}

/**
 * Checks `files` and reads the ones that pass. `already` images are in the composer; beyond the per-message
 * limit the rest are refused. Returns the new attachments and the refusals (one sentence each).
 */
export async function attach(
  files: readonly File[],
  already: number,
): Promise<{ added: Attachment[]; refusals: string[] }> {
  const added: Attachment[] = [];
  const refusals: string[] = [];
  for (const file of files) {
    const refusal = refusalOf(file);
    if (refusal) {
      refusals.push(refusal);
      continue;
    }
    if (already + added.length >= MAX_IMAGES_PER_MESSAGE) {
      refusals.push(
        `${file.name || 'The pasted image'} was not attached: a ` +
          `message may carry at most ${MAX_IMAGES_PER_MESSAGE} images.`,
      );
      continue;
    }
    try {
      const url = await readAsDataUrl(file);
      added.push({ id: `img-${++ids}`, name: file.name || 'Pasted image', url });
    } catch {
      refusals.push(`${file.name || 'The pasted image'} could not be read. Try attaching it again.`);
    }
  }
  return { added, refusals };
}
