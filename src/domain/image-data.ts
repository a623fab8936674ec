// The bytes of an image sent inline as base64: well-formed base64, and, for the types with a known signature, bytes
// that are the type the request names. Checked on every route that takes images, so a broken or mislabelled image is
// refused by name instead of spending a provider call (which would refuse it less clearly).

import { imageTypeName } from './image-limits.js';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The first bytes each type starts with (a mislabelled or non-image file is refused by name). */
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

/** True if the bytes of `mediaType` (lower case) can be checked against its signature. */
export const hasImageSignature = (mediaType: string): boolean => SIGNATURES.has(mediaType);

/**
 * What is wrong with `data`, the base64 text of an image of `mediaType` (lower case): `base64` when it is not
 * standard, padded base64, `type` when its bytes are not that type; undefined when neither (a type without a known
 * signature is checked as base64 only).
 */
export function imageDataProblem(mediaType: string, data: string): 'base64' | 'type' | undefined {
  if (data.length === 0 || data.length % 4 !== 0 || !BASE64.test(data)) return 'base64';
  const signature = SIGNATURES.get(mediaType);
  return signature && !signature(Buffer.from(data.slice(0, 16), 'base64')) ? 'type' : undefined;
}

/** The 400 wording of `imageDataProblem`'s answer for the request field `param`. */
export function imageDataMessage(problem: 'base64' | 'type', param: string, mediaType: string): string {
  const typeName = imageTypeName(mediaType) ?? mediaType;
  return problem === 'base64'
    ? `${param} does not hold valid base64. Encode the whole file as standard base64 ` +
        `(A–Z, a–z, 0–9, +, /, = padding), without line breaks.`
    : `${param} says it is ${typeName} but its bytes are not a ${typeName} image. Send the image file itself with ` +
        `its real type.`;
}
