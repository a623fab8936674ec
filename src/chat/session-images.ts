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
import { hasImageSignature, imageDataMessage, imageDataProblem } from '../domain/image-data.js';

const DATA_URL = /^data:([^;,]{0,100});base64,/i;

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
  if (typeName === undefined || !hasImageSignature(mediaType)) {
    throw invalid(
      'unsupported_media_type',
      param,
      `${param} is of type "${mediaType || 'none'}", which is not accepted. Send a ${imageTypeNames()} image.`,
    );
  }
  const data = url.slice(match[0].length);
  const problem = imageDataProblem(mediaType, data);
  if (problem === 'base64')
    throw invalid('invalid_request', param, imageDataMessage(problem, `${param}.url`, mediaType));
  const bytes = (data.length / 4) * 3 - (data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0);
  if (bytes > MAX_IMAGE_BYTES) {
    throw invalid(
      'payload_too_large',
      param,
      `${param} is ${formatBytes(bytes)}; images may be at most ${formatBytes(MAX_IMAGE_BYTES)}. ` +
        `Send a smaller or more compressed image.`,
    );
  }
  if (problem === 'type') throw invalid('invalid_request', param, imageDataMessage(problem, param, mediaType));
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
