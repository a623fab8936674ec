// Where the sealed segments of a file audit trail live and what they are called: `<base>-segments/<base>-<first
// seq>.jsonl`.

import { readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** A sealed (rotated) segment of the trail. */
export interface AuditSegment {
  /** File name, e.g. `audit-000000001234.jsonl`. */
  name: string;
  path: string;
  /** The seq of its first record, as its name says (verification checks the content agrees). */
  firstSeq: number;
}

const SEQ_DIGITS = 12;

function base(activeFile: string): string {
  return basename(activeFile).replace(/\.jsonl$/, '');
}

/** The folder of sealed segments beside the active file: `audit.jsonl` → `audit-segments/`. */
export function segmentsDir(activeFile: string): string {
  return join(dirname(activeFile), `${base(activeFile)}-segments`);
}

/** The name a segment starting at `firstSeq` gets when it is sealed. */
export function segmentName(activeFile: string, firstSeq: number): string {
  return `${base(activeFile)}-${String(firstSeq).padStart(SEQ_DIGITS, '0')}.jsonl`;
}

/** The sealed segments, oldest first (by the first seq in their names); none when the folder does not exist. */
export async function listSegments(activeFile: string): Promise<AuditSegment[]> {
  const dir = segmentsDir(activeFile);
  const pattern = new RegExp(`^${base(activeFile).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-(\\d+)\\.jsonl$`);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const segments: AuditSegment[] = [];
  for (const name of names) {
    const match = pattern.exec(name);
    if (match) segments.push({ name, path: join(dir, name), firstSeq: Number(match[1]) });
  }
  return segments.sort((a, b) => a.firstSeq - b.firstSeq);
}
