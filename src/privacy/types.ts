// Privacy vocabulary: detection categories, matches, detectors, policies and the pseudonym map.

/** Personal data categories (pseudonymised by default). */
export const PERSONAL_CATEGORIES = [
  'email',
  'phone',
  'card',
  'iban',
  'ssn',
  'ip',
  'person',
  'address',
  'date_of_birth',
  'national_id',
  'passport',
  'mac',
] as const;

/** Secret categories (blocked by default: secrets are never forwarded). */
export const SECRET_CATEGORIES = [
  'private_key',
  'jwt',
  'anthropic_key',
  'openai_key',
  'aws_key',
  'github_token',
  'stripe_key',
  'url_credentials',
  'credential',
] as const;

export type PersonalCategory = (typeof PERSONAL_CATEGORIES)[number];
export type SecretCategory = (typeof SECRET_CATEGORIES)[number];
/** Everything a detector can find. */
export type Category = PersonalCategory | SecretCategory;

/** Every category, in the priority order used to resolve overlapping matches (first wins). */
export const ALL_CATEGORIES: readonly Category[] = [
  ...SECRET_CATEGORIES,
  'card',
  'iban',
  'national_id',
  'ssn',
  'passport',
  'email',
  'phone',
  'ip',
  'mac',
  'date_of_birth',
  'address',
  'person',
];

/** One finding: `value` is `text.slice(start, end)`. */
export interface Match {
  category: Category;
  start: number;
  end: number;
  value: string;
  /** Confidence 0..1 from pattern, checksum, context and name lists; absent means 1 (a certain pattern). */
  score?: number;
  /** Set by an operator's custom recognizer: its placeholder stem (`[EMPLOYEE_ID_1]`) and action. */
  custom?: { tag: string; action: PrivacyAction };
}

/** Minimum score per category for a finding to count (Presidio-style thresholds; default 0.5). */
export type PrivacyThresholds = Partial<Record<Category, number>>;

/** The default minimum score of a finding. */
export const DEFAULT_THRESHOLD = 0.5;

/** An operator's recognizer (`privacy.custom`): a pattern with optional checksum and context words, or a term list. */
export interface CustomRecognizer {
  /** Lower-case name; the placeholder stem is its upper case (`employee_id` -> `[EMPLOYEE_ID_1]`). */
  name: string;
  /** Regular expression source (Unicode mode). */
  pattern?: string;
  ignoreCase?: boolean;
  /** Check digits of a match; failing matches are dropped. */
  checksum?: 'luhn' | 'mod97' | 'mod11';
  /** Words that add 0.35 to the score when found in the 40 characters before a match. */
  context?: string[];
  /** Score of a match without context (default 0.6). */
  score?: number;
  /** Minimum score of a finding (default 0.5). */
  threshold?: number;
  /** Whole words or phrases to find, case-insensitive. */
  terms?: string[];
  /** Default `pseudonymise`. */
  action?: PrivacyAction;
}

/** Everything of the filter besides the per-category actions. */
export interface PrivacyOptions {
  thresholds?: PrivacyThresholds;
  custom?: readonly CustomRecognizer[];
  /** Terms never touched (case-insensitive, whole words): a finding overlapping one is dropped. */
  allowlist?: readonly string[];
  /** How a `block` refusal names what was sent (default: "Your message", param `messages`). */
  blockedAs?: { subject: string; param: string };
}

/** A detector for one category. `find` must be pure and linear in the text length. */
export interface Detector {
  category: Category;
  /**
   * The findings in `text`. With `minScore`, a detector may leave out findings that would score below it (`detect`
   * drops those anyway), and so skip the checks that could only lower their score.
   */
  find(text: string, minScore?: number, scan?: TextScan): Match[];
}

/**
 * What a detector read in a text that later steps reuse instead of reading it again: the person recognizer's
 * capitalised words (`[start0, end0, start1, end1, …]`, in text order), where the bare mentions of known persons are
 * looked for.
 */
export interface TextScan {
  words?: number[];
}

/** What to do with a finding before a prompt leaves for a provider. */
export type PrivacyAction = 'pseudonymise' | 'redact' | 'block' | 'allow';

/** One action per category. */
export type PrivacyPolicy = Record<Category, PrivacyAction>;

/** Placeholder (e.g. `[EMAIL_1]`) -> original value. Plain and serialisable; lives only in the session. */
export type PseudonymMap = Record<string, string>;

/** Personal data is pseudonymised, secrets are blocked. */
export const DEFAULT_PRIVACY_POLICY: Readonly<PrivacyPolicy> = Object.freeze({
  email: 'pseudonymise',
  phone: 'pseudonymise',
  card: 'pseudonymise',
  iban: 'pseudonymise',
  ssn: 'pseudonymise',
  ip: 'pseudonymise',
  person: 'pseudonymise',
  address: 'pseudonymise',
  date_of_birth: 'pseudonymise',
  national_id: 'pseudonymise',
  passport: 'pseudonymise',
  mac: 'pseudonymise',
  private_key: 'block',
  jwt: 'block',
  anthropic_key: 'block',
  openai_key: 'block',
  aws_key: 'block',
  github_token: 'block',
  stripe_key: 'block',
  // The URL stays useful, only its user:password or token value is removed.
  url_credentials: 'redact',
  // The same for a named credential: `password: [REDACTED_CREDENTIAL]` keeps the question about the config answerable.
  credential: 'redact',
});

/** Human wording of each category, used in messages shown to the user. */
export const CATEGORY_LABELS: Readonly<Record<Category, string>> = Object.freeze({
  email: 'an email address',
  phone: 'a phone number',
  card: 'a payment card number',
  iban: 'a bank account number (IBAN)',
  ssn: 'a US social security number',
  ip: 'an IP address',
  person: "a person's name",
  address: 'a postal address',
  date_of_birth: 'a date of birth',
  national_id: 'a national identity or tax number',
  passport: 'a passport number',
  mac: 'a MAC address',
  url_credentials: 'credentials in a URL',
  credential: 'a password or other credential',
  private_key: 'a private key',
  jwt: 'a JSON Web Token',
  anthropic_key: 'an Anthropic API key',
  openai_key: 'an OpenAI API key',
  aws_key: 'an AWS access key',
  github_token: 'a GitHub token',
  stripe_key: 'a Stripe API key',
});

/** Placeholder stem of each category: `[EMAIL_1]`, `[REDACTED_EMAIL]`. */
export const CATEGORY_TAGS: Readonly<Record<Category, string>> = Object.freeze({
  email: 'EMAIL',
  phone: 'PHONE',
  card: 'CARD',
  iban: 'IBAN',
  ssn: 'SSN',
  ip: 'IP',
  person: 'PERSON',
  address: 'ADDRESS',
  date_of_birth: 'DATE_OF_BIRTH',
  national_id: 'NATIONAL_ID',
  passport: 'PASSPORT',
  mac: 'MAC',
  url_credentials: 'URL_CREDENTIALS',
  credential: 'CREDENTIAL',
  private_key: 'PRIVATE_KEY',
  jwt: 'JWT',
  anthropic_key: 'ANTHROPIC_KEY',
  openai_key: 'OPENAI_KEY',
  aws_key: 'AWS_KEY',
  github_token: 'GITHUB_TOKEN',
  stripe_key: 'STRIPE_KEY',
});

/** True for the secret categories. */
export function isSecretCategory(category: Category): category is SecretCategory {
  return (SECRET_CATEGORIES as readonly string[]).includes(category);
}
