// Detector registry: every detector, and one scan that resolves overlapping matches by priority.

import {
  ALL_CATEGORIES,
  DEFAULT_THRESHOLD,
  SECRET_CATEGORIES,
  type Category,
  type Detector,
  type Match,
  type PrivacyThresholds,
  type TextScan,
} from '../types.js';
import { addressDetector } from './address.js';
import { dateOfBirthDetector } from './date-of-birth.js';
import { macDetector } from './mac.js';
import { mrzMatches } from './mrz.js';
import { nationalIdDetector } from './national-id.js';
import { passportDetector } from './passport.js';
import { personDetector } from './person.js';
import { urlCredentialsDetector } from './url-credentials.js';
import { credentialDetector } from './credential.js';
import { anthropicKeyDetector } from './anthropic-key.js';
import { awsKeyDetector } from './aws-key.js';
import { cardDetector } from './card.js';
import { emailDetector } from './email.js';
import { githubTokenDetector } from './github-token.js';
import { ibanDetector } from './iban.js';
import { ipDetector } from './ip.js';
import { jwtDetector } from './jwt.js';
import { openaiKeyDetector } from './openai-key.js';
import { phoneDetector } from './phone.js';
import { privateKeyDetector } from './private-key.js';
import { ssnDetector } from './ssn.js';
import { stripeKeyDetector } from './stripe-key.js';
import { flatten, forgetDigitRuns } from './util.js';

/** Every detector, keyed by its category. */
export const DETECTORS: Readonly<Record<Category, Detector>> = Object.freeze({
  email: emailDetector,
  phone: phoneDetector,
  card: cardDetector,
  iban: ibanDetector,
  ssn: ssnDetector,
  ip: ipDetector,
  private_key: privateKeyDetector,
  jwt: jwtDetector,
  anthropic_key: anthropicKeyDetector,
  openai_key: openaiKeyDetector,
  aws_key: awsKeyDetector,
  github_token: githubTokenDetector,
  stripe_key: stripeKeyDetector,
  person: personDetector,
  address: addressDetector,
  date_of_birth: dateOfBirthDetector,
  national_id: nationalIdDetector,
  passport: passportDetector,
  mac: macDetector,
  url_credentials: urlCredentialsDetector,
  credential: credentialDetector,
});

// Custom recognizers rank after the secrets and before the built-in personal data.
const SECRETS = SECRET_CATEGORIES.length;
const RANK: Readonly<Record<string, number>> = Object.fromEntries(
  ALL_CATEGORIES.map((c, i) => [c, i < SECRETS ? i : i + 1]),
);
const rankOf = (m: Match): number => (m.custom ? SECRETS : RANK[m.category]);

/**
 * Keeps a non-overlapping subset of matches: the higher-priority category wins (secrets > custom >
 * card > iban > national id > ssn > passport > email > phone > ip > mac > date of birth > address
 * > person), then the longer match, then the earlier one. Sorted by start.
 */
export function resolveOverlaps(matches: Match[]): Match[] {
  if (matches.length < 2) return matches;
  const byStart = [...matches].sort((a, b) => a.start - b.start);
  let overlapping = false;
  for (let i = 1; i < byStart.length && !overlapping; i++) overlapping = byStart[i].start < byStart[i - 1].end;
  if (!overlapping) return byStart; // the common case: nothing to resolve
  const ranked = [...matches].sort(
    (a, b) => rankOf(a) - rankOf(b) || b.end - b.start - (a.end - a.start) || a.start - b.start,
  );
  const kept: Match[] = [];
  for (const m of ranked) {
    if (kept.every((k) => m.end <= k.start || m.start >= k.end)) kept.push(m);
  }
  return kept.sort((a, b) => a.start - b.start);
}

/**
 * Runs the detectors of the given categories (all by default) over `text`, drops findings scored
 * below their category's threshold (default 0.5), and returns the resolved, non-overlapping
 * matches in text order. `extra` findings (custom recognizers) take part in the overlap resolution. `scan`, if given,
 * receives what the detectors read that later steps reuse.
 */
export function detect(
  text: string,
  categories: readonly Category[] = ALL_CATEGORIES,
  thresholds: PrivacyThresholds = {},
  extra: readonly Match[] = [],
  scan?: TextScan,
): Match[] {
  if (text.length < 3) return [...extra];
  flatten(text); // once, so that recognizers reading characters one by one do not walk a rope
  const all: Match[] = [...extra];
  try {
    for (const category of categories) {
      const min = thresholds[category] ?? DEFAULT_THRESHOLD;
      for (const m of DETECTORS[category].find(text, min, scan)) if ((m.score ?? 1) >= min) all.push(m);
    }
    // A passport's or an identity card's machine-readable zone holds fields of several categories.
    for (const m of mrzMatches(text))
      if (categories.includes(m.category) && (m.score ?? 1) >= (thresholds[m.category] ?? DEFAULT_THRESHOLD))
        all.push(m);
  } finally {
    forgetDigitRuns();
  }
  return resolveOverlaps(all);
}

export {
  addressDetector,
  dateOfBirthDetector,
  macDetector,
  nationalIdDetector,
  passportDetector,
  personDetector,
  urlCredentialsDetector,
  credentialDetector,
  anthropicKeyDetector,
  awsKeyDetector,
  cardDetector,
  emailDetector,
  githubTokenDetector,
  ibanDetector,
  ipDetector,
  jwtDetector,
  openaiKeyDetector,
  phoneDetector,
  privateKeyDetector,
  ssnDetector,
  stripeKeyDetector,
};
