// The inline image check shared by the chat routes and the session API, and its agreement with the accepted types.

import { describe, expect, it } from 'vitest';
import { hasImageSignature, imageDataProblem } from '../../src/domain/image-data.js';
import { IMAGE_TYPES } from '../../src/domain/image-limits.js';

/** The first bytes of a real file of each accepted type. */
const HEADS: Record<string, number[]> = {
  'image/png': [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13],
  'image/jpeg': [0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1],
  'image/gif': [...Buffer.from('GIF89a'), 1, 0, 1, 0, 0x80, 0],
  'image/webp': [...Buffer.from('RIFF'), 36, 0, 0, 0, ...Buffer.from('WEBP')],
};
const base64 = (bytes: number[]): string => Buffer.from(bytes).toString('base64');

describe('inline image data', () => {
  it('checks the signature of every type the session API and the web chat accept', () => {
    // The type list is shared with the browser (no Buffer there), the signatures are server-side: they must agree.
    expect(Object.keys(IMAGE_TYPES).filter((t) => !hasImageSignature(t))).toEqual([]);
    expect(Object.keys(HEADS).sort()).toEqual(Object.keys(IMAGE_TYPES).sort());
  });

  it.each(Object.keys(HEADS))('accepts %s bytes and refuses them under every other accepted type', (type) => {
    const data = base64(HEADS[type]);
    expect(imageDataProblem(type, data)).toBeUndefined();
    for (const other of Object.keys(HEADS)) if (other !== type) expect(imageDataProblem(other, data)).toBe('type');
  });

  it('refuses data that is not standard padded base64, and checks other image types as base64 only', () => {
    expect(imageDataProblem('image/png', '')).toBe('base64');
    expect(imageDataProblem('image/png', 'iVBORw0KGgo')).toBe('base64'); // not padded to a multiple of 4
    expect(imageDataProblem('image/png', 'iVBO\nRw0K')).toBe('base64');
    expect(imageDataProblem('image/png', 'iVBO-_0KGgo=')).toBe('base64'); // base64url
    expect(imageDataProblem('image/bmp', base64([0x42, 0x4d, 1, 2]))).toBeUndefined();
  });
});
