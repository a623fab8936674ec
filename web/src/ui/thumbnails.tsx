// Thumbnails of a message's images (the user turn), each with alt text that says which image it is.

import type { ImageRef } from '../api/types.js';
import { blobUrlOf } from './image-url.js';

/** A row of thumbnails; empty when there are no images. */
export function Thumbnails({ images }: { images?: ImageRef[] }) {
  if (!images?.length) return null;
  return (
    <ul class="thumbs" aria-label={images.length === 1 ? 'Attached image' : `${images.length} attached images`}>
      {images.map((image, i) => (
        <li>
          <img class="thumb" src={blobUrlOf(image.url)} alt={`Attached image ${i + 1} of ${images.length}`} />
        </li>
      ))}
    </ul>
  );
}
