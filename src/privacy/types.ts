// Privacy vocabulary: detection categories, matches, detectors, policies and the pseudonym map.

/** Personal data categories (pseudonymised by default). */
export const PERSONAL_CATEGORIES = ['email', 'phone', 'card', 'iban', 'ssn', 'ip'] as const;

/** Secret categories (blocked by default: secrets are never forwarded). */
export const SECRET_CATEGORIES = [
  'private_key',
  'jwt',
  'anthropic_key',
  'openai_key',
  'aws_key',
  'github_token',
  'stripe_key',
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
  'ssn',
  'email',
  'phone',
  'ip',
];

/** One finding: `value` is `text.slice(start, end)`. */
export interface Match {
  category: Category;
  start: number;
  end: number;
  value: string;
}

/** A detector for one category. `find` must be pure and linear in the text length. */
export interface Detector {
  category: Category;
  find(text: string): Match[];
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
  private_key: 'block',
  jwt: 'block',
  anthropic_key: 'block',
  openai_key: 'block',
  aws_key: 'block',
  github_token: 'block',
  stripe_key: 'block',
});

/** Human wording of each category, used in messages shown to the user. */
export const CATEGORY_LABELS: Readonly<Record<Category, string>> = Object.freeze({
  email: 'an email address',
  phone: 'a phone number',
  card: 'a payment card number',
  iban: 'a bank account number (IBAN)',
  ssn: 'a US social security number',
  ip: 'an IP address',
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
