// Images in session messages: validation by the shared limits (src/domain/image-limits.ts) with 4xx that say what to
// fix.

import { ParleyError } from '../domain/index.js';
import type { StoredImage } from '../domain/index.js';
import {
  formatBytes,
  imageTypeName,
  imageTypeNames,
  MAX_IMAGE_BYTES,
  MAX_IMAGES_PER_MESSAGE,
} from '../domain/image-limits.js';

const DATA_URL = /^data:([^;,]{0,100});base64,/i;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The first bytes each accepted type starts with (checked so a mislabelled or non-image file is refused by name). */
const SIGNATURES: ReadonlyMap<string, (head: Buffer) => boolean> = new Map(
  Object.entries({
    'image/png': (h: Buffer) => h.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
    'image/jpeg': (h: Buffer) => h[0] === 0xff && h[1] === 0xd8 && h[2] === 0xff,
    'image/gif': (h: Buffer) =>
      h.subarray(0, 6).toString('latin1') === 'GIF87a' || h.subarray(0, 6).toString('latin1') === 'GIF89a',
    'image/webp': (h: Buffer) =>
      h.subarray(0, 4).toString('latin1') === 'RIFF' && h.subarray(8, 12).toString('latin1') === 'WEBP',
  }),
);

/** The most request body the message route needs: the images at their limit (as base64) plus the text. */
export function imageBodyAllowance(): number {
  return MAX_IMAGES_PER_MESSAGE * Math.ceil(MAX_IMAGE_BYTES / 3) * 4;
}

function invalid(
  code: 'invalid_request' | 'payload_too_large' | 'unsupported_media_type',
  param: string,
  message: string,
): ParleyError {
  return new ParleyError(code, message, { param });
}

/** One image part: a base64 `data:` URL of an accepted type, within the size limit, whose bytes are that type. */
function checkImage(url: unknown, param: string): StoredImage {
  if (typeof url !== 'string')
    throw invalid(
      'invalid_request',
      param,
      `${param}.url must be a string: a base64 data URL such as data:image/png;base64,iVBOR…`,
    );
  const match = DATA_URL.exec(url);
  if (!match) {
    const hint = /^https?:/i.test(url) ? ' Links are not fetched: send the image itself.' : '';
    throw invalid('invalid_request', param, `${param}.url must be a base64 data URL (data:image/png;base64,…).${hint}`);
  }
  const mediaType = match[1].toLowerCase();
  const typeName = imageTypeName(mediaType);
  const signature = SIGNATURES.get(mediaType);
  if (typeName === undefined || signature === undefined) {
    throw invalid(
      'unsupported_media_type',
      param,
      `${param} is of type "${mediaType || 'none'}", which is not accepted. Send a ${imageTypeNames()} image.`,
    );
  }
  const data = url.slice(match[0].length);
  if (data.length === 0 || data.length % 4 !== 0 || !BASE64.test(data)) {
    throw invalid(
      'invalid_request',
      param,
      `${param}.url does not hold valid base64 after "base64,". Encode the whole file as ` +
        `standard base64 (A–Z, a–z, 0–9, +, /, = padding).`,
    );
  }
  const bytes = (data.length / 4) * 3 - (data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0);
  if (bytes > MAX_IMAGE_BYTES) {
    throw invalid(
      'payload_too_large',
      param,
      `${param} is ${formatBytes(bytes)}; images may be at most ${formatBytes(MAX_IMAGE_BYTES)}. ` +
        `Send a smaller or more compressed image.`,
    );
  }
  const head = Buffer.from(data.slice(0, 16), 'base64');
  if (!signature(head)) {
    throw invalid(
      'invalid_request',
      param,
      `${param} says it is ${typeName} but its bytes are not a ${typeName} image. Send the image ` +
        `file itself with its real type.`,
    );
  }
  return { url: `data:${mediaType};base64,${data}` };
}

/** Validates the images of a message (`images` of the request body); [] when there are none. */
export function checkImages(images: readonly { url?: unknown }[] | undefined): StoredImage[] {
  if (images === undefined) return [];
  if (images.length > MAX_IMAGES_PER_MESSAGE) {
    throw invalid(
      'invalid_request',
      'images',
      `A message may carry at most ${MAX_IMAGES_PER_MESSAGE} images; this one has ` +
        `${images.length}. Send the others in another message.`,
    );
  }
  return images.map((image, i) => checkImage(image?.url, `images[${i}]`));
}

/** The 400 when the session's model cannot take the images of the chat. */
export function noVisionError(model: string, inHistory: boolean): ParleyError {
  const what = inHistory ? 'This chat contains images, and the' : 'The';
  return new ParleyError(
    'invalid_request',
    `${what} model "${model}" does not accept images ("vision" is not in its capabilities). ` +
      `${inHistory ? 'Switch the chat back to a model with vision, or start a new chat.' : 'Remove the images, or switch the chat to a model with vision (GET /v1/models lists capabilities).'}`,
    { param: 'images' },
  );
}
