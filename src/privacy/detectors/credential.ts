// Credential recognizer: the value of a password, token, secret or API key that the text names (`password: hunter2`,
// `DB_PASSWORD=…`, `"api_key": "…"`, `--token …`, `my password is …`, `Authorization: Bearer …`), whatever its shape.

import type { Detector, Match } from '../types.js';
import { isSpace, mergeOutside, proseSeparators } from './util.js';

// The words that name a credential at the end of a key (`password`, `DB_PASS`, `clientSecret`), with a password's word
// in the other supported languages (`Passwort:`, `contraseña:`, `mot de passe :`, `wachtwoord=`); and a key's
// qualifiers (`api_key`, `x-api-key`, `API key`, `accessKey`).
const CREDENTIAL_WORDS = `password passwd passphrase passcode pass pwd pin secret token apikey passwort kennwort
  contraseña contrasena clave mot\\s+de\\s+passe mdp wachtwoord lösenord losenord passord adgangskode salasana`.split(
  /\s+/,
);
const KEY_QUALIFIERS = `api access secret private signing encryption master subscription account client app auth
  consumer license`.split(/\s+/);
const KEYWORDS = String.raw`${CREDENTIAL_WORDS.join('|')}|(?:${KEY_QUALIFIERS.join('|')})[ _.-]?key`;
const KEYWORD_AT_END = new RegExp(`(?:${KEYWORDS}|authorization)$`, 'i');
// The whole keyword at a key's end: `Passwort`, not its `Pass`.
const KEYWORD_AT_START = new RegExp(`^(?:${KEYWORDS})(?![\\p{L}\\p{N}_-])`, 'iu');
/** The longest keyword (`subscription_key`) and then some: how much before a separator is read for one. */
const KEY_TAIL = 24;
/** The longest key read (`SPRING_DATASOURCE_HIKARI_PASSWORD`): walks over keys stop there, so the scan stays linear. */
const MAX_KEY = 64;
/** A part of a name in code that is a credential's word (`userPassword`, `API_KEY`). */
const KEYWORD_PART = new RegExp(`^(?:${CREDENTIAL_WORDS.join('|')}|key)$`, 'i');
const NAME_PARTS = /_|-|(?<=[a-z0-9])(?=[A-Z])/;
const KEY_CHAR = /[\p{L}\p{N}_.-]/u;
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;
/** Keys that end with a credential's word but name no credential: page cursors. */
const NOT_CREDENTIAL_KEY = /(?:page|next|continuation|sync|cursor)[_.-]?token$/i;
/**
 * `token` is also a parser's or a protocol's word (`countToken: 'COUNT'`, `lastidToken`): in a key not in capitals,
 * only the word alone or after a word of authentication counts. A key in capitals (`VERCEL_OIDC_TOKEN`) is an
 * environment variable's, and those name credentials.
 */
const TOKEN_OWNERS =
  `access refresh auth id session api bearer csrf xsrf oauth oidc bot user app client service security
  personal private secret sas sts jwt deploy registry admin master root upload webhook push device install gh github
  gitlab slack discord telegram npm pypi hf`.split(/\s+/);
const capitalised = (w: string): string => w[0].toUpperCase() + w.slice(1);
/** `token`, `access_token`, `x-auth-token`, `authtoken`, in any case. */
const SNAKE_TOKEN = new RegExp(String.raw`^token$|(?:^|[_.-])(?:${TOKEN_OWNERS.join('|')})[_.-]?token$`, 'i');
/** `accessToken`, `oauthAccessToken`: the owner is a part of a camel-case name. */
const CAMEL_TOKEN = new RegExp(
  String.raw`(?:^(?:${TOKEN_OWNERS.join('|')})|[a-z0-9](?:${TOKEN_OWNERS.map(capitalised).join('|')}))Token$`,
);
const IN_CAPITALS = /^[A-Z0-9_.-]+$/;
/** The prose form `my password is …` (only for a key that is the word alone). */
const IS = /[ \t]+is:?[ \t]+/iy;
const MAX_VALUE = 256;
// `Authorization: Bearer …` (`Proxy-Authorization` too): the token only. Sticky, at the word.
const AUTHORIZATION =
  /authorization["']?[ \t]*[:=][ \t]*["']?(?:(bearer|basic|token|digest|apikey)[ \t]+)?([A-Za-z0-9._~+/-]{8,}=*)/iy;

// Words written where a credential goes, or as its type: `null`, `required`, `string`, `write` (`id-token: write`).
const NOT_CREDENTIALS = `null nil none undefined true false yes no empty required optional read write binary buffer
  string str text number int integer bool boolean any object bytes secret secretstr password token`.split(/\s+/);
/** Values that stand for a credential without being one: masks, placeholders, references and the words above. */
const PLACEHOLDER = new RegExp(
  [
    String.raw`[*x•.#?-]+|(.)\1+|<.*>|\{\{.*\}\}|.*\$\{.*|\$\(.*|%\(.*|%s|\$[A-Za-z_]\w*|\[?redacted.*|.*(?:\.\.\.|…)`,
    String.raw`(?:your|the|some|an?|example|sample|dummy|placeholder|fake)(?:[ _.-].*)?|.*[_.-](?:here|example|placeholder)`,
    ...NOT_CREDENTIALS,
  ]
    .map((alternative) => `(?:${alternative})`)
    .join('|')
    .replace(/^/, '^(?:')
    .replace(/$/, ')$'),
  'i',
);
/** A value masked or written as a pattern: `sk-xxxxxxxxxxxx`, `AKIA****`, `••••••`. */
const MASKED = /x{6,}|X{6,}|\*{3,}|•{3,}/;
/**
 * An unquoted value that is code: a call or an index (`os.getenv("X")`, `env['X']`), a dotted name without digits
 * (`self.token`, `process.env.DB_PASSWORD`; `ya29.a0AfH6` is a token), a hexadecimal number.
 */
const CODE = /[([]|^[A-Za-z_$#][A-Za-z_$#]*(?:\??\.[A-Za-z_$#][A-Za-z_$#]*)+$|^0x[0-9a-f]+$/i;
const IDENTIFIER = /^[A-Za-z_]\w*$/;
/** Letters alone, or with underscores: a word, or a name in code (`_assertClassBrand`). */
const LETTERS = /^[\p{L}_]+$/u;
/** What the prose form needs: a digit or a symbol that is not a hyphen (`hunter2`, not `write-only`). */
const DIGIT_OR_SYMBOL = /[^\p{L}-]/u;
const TRAILING = /[.,;:)\]}>'"`/\\]+$/;
/** Not a credential however it is written: a path, a URL (`url_credentials` reads those), markup, an object. */
const NOT_A_VALUE = /^(?:\/|~\/|\.\.?\/|[A-Za-z]:\\|<|\{|\[)|:\/\//;
const SPACE = /\s/;
const SPACE_OR_CODE = /[\s,;(){}[\]"'`<>]/;
/** A constant's name in a string: `'COUNT'`, `'AUTH'` (a protocol's word, not a password). */
const CONSTANT = /^[A-Z]+$/;
/** A type written as a value: `BinaryLike`, `Uint8Array`, `NonSharedBuffer`. */
const TYPE_NAME = /^[A-Z][a-z]+(?:\d*[A-Z][a-z]+)+(?:<.*)?$/;

/**
 * Finds credentials that the text names: the value after a key ending with `password`, `pass`, `pwd`, `passphrase`,
 * `pin`, `secret`, `token` or `…key` (`api_key`, `apiKey`, `x-api-key`, `secret key`), or a password's word in another
 * language (`Passwort`, `contraseña`), written as `key=value`, `key: value`, `"key": "value"`, `key => value`, `--key
 * value` or `key is value`; the token of an `Authorization` header; the password of `-u user:password`.
 * Placeholders (`<password>`, `${TOKEN}`, `****`, `your-api-key`), code (`os.getenv("PASSWORD")`,
 * `self.token`, `password=password`) and type names (`token: string`) are left alone.
 */
export const credentialDetector: Detector = {
  category: 'credential',
  find(text: string): Match[] {
    // Every form has a separator after its key: a colon or an equals sign (found with indexOf), ` is`, or a flag's `--`
    // before the key; a scan for the keywords themselves, in any case, costs several times more. Keys are read back.
    const keys: number[] = [];
    const headers: number[] = [];
    const atSeparator = (p: number): void => {
      const k = keywordBefore(text, p);
      if (k >= 0) (AUTHORIZATION_WORD.test(text.slice(k, k + 13)) ? headers : keys).push(k);
    };
    // Header tokens and user passwords, merged with the keys' values at the end in one pass.
    const extra: Match[] = [];
    const { colons, is } = proseSeparators(text);
    const userFlag = text.includes('-u'); // `-u` or `--user`: `-` is rare, so this search is cheap
    for (const p of colons) {
      atSeparator(p);
      const m = userFlag ? userPassword(text, p) : undefined;
      if (m) extra.push(m);
    }
    for (let p = text.indexOf('='); p !== -1; p = text.indexOf('=', p + 1)) atSeparator(p);
    for (const p of is) atSeparator(p);
    for (let p = text.indexOf('--'); p !== -1; p = text.indexOf('--', p + 2)) {
      let end = p + 2;
      while (end < text.length && end - p < MAX_KEY && KEY_CHAR.test(text[end])) end++;
      const k = keywordBefore(text, end);
      if (k > p) keys.push(k);
      p = end - 2; // a run of dashes is walked once
    }
    const out: Match[] = [];
    keys.sort((x, y) => x - y);
    for (const k of keys) {
      if (out.length > 0 && k < out[out.length - 1].end) continue;
      const m = namedValue(text, k, k + (KEYWORD_AT_START.exec(text.slice(k, k + KEY_TAIL))?.[0].length ?? 0));
      if (m) out.push(m);
    }
    for (const h of headers) {
      const m = headerToken(text, h);
      if (m) extra.push(m);
    }
    return mergeOutside(out, extra);
  },
};
const AUTHORIZATION_WORD = /^authorization$/i;

// How the keywords end (`…rd`, `…en`, `…ey`, `…on` of `authorization`): the last two letters a key is tested for first.
const KEYWORD_ENDINGS = new Set([...CREDENTIAL_WORDS, 'key', 'authorization'].map((w) => w.slice(-2)));

/** The start of the keyword that ends the key right before `p` (after spaces and a closing quote), or -1. */
function keywordBefore(text: string, p: number): number {
  let end = p;
  while (end > 0 && (text.charCodeAt(end - 1) === 32 || text.charCodeAt(end - 1) === 9)) end--;
  if (end > 0 && (text[end - 1] === '"' || text[end - 1] === "'")) end--;
  // Most words before a separator are no key: a keyword's last two letters first (`…rd`, `…en`, `…ey`).
  if (end < 2 || !KEYWORD_ENDINGS.has(text.slice(end - 2, end).toLowerCase())) return -1;
  const tail = text.slice(Math.max(0, end - KEY_TAIL), end);
  const m = KEYWORD_AT_END.exec(tail);
  return m === null ? -1 : end - tail.length + m.index;
}

/**
 * The password of `user:password` after a command line's `-u` or `--user` (curl, wget, httpie) whose colon is at `p`:
 * `curl -u admin:Sup3rS3cret https://…`.
 */
function userPassword(text: string, p: number): Match | undefined {
  let start = p;
  while (start > 0 && p - start < 64 && !isSpace(text.charCodeAt(start - 1)) && text[start - 1] !== '=') start--;
  if (text[start] === '"' || text[start] === "'") start++;
  if (start === p || !USER_FLAG.test(text.slice(Math.max(0, start - 8), start))) return undefined;
  if (/[/@]/.test(text.slice(start, p))) return undefined; // a URL's scheme and host: `-u http://host:8080/`
  let end = p + 1;
  while (end < text.length && end - p <= MAX_VALUE && !isSpace(text.charCodeAt(end)) && !QUOTE.test(text[end])) end++;
  const value = text.slice(p + 1, end);
  if (value.length < 4 || NOT_A_VALUE.test(value) || isPlaceholder(value)) return undefined;
  return { category: 'credential', start: p + 1, end, value, score: 0.75 };
}
const USER_FLAG = /(?:^|\s)(?:-u|--user)[ =]["']?$/;
const QUOTE = /["']/;

/** The token of an `Authorization` header at `at` (after its scheme). */
function headerToken(text: string, at: number): Match | undefined {
  AUTHORIZATION.lastIndex = at;
  const m = AUTHORIZATION.exec(text);
  if (m === null) return undefined;
  const [, scheme, value] = m;
  // Without a scheme, a token has a digit: `Authorization: required` is none.
  if ((scheme === undefined && !/\d/.test(value)) || isPlaceholder(value)) return undefined;
  const start = at + m[0].length - value.length;
  return { category: 'credential', start, end: start + value.length, value, score: 0.8 };
}

/** The credential named by the keyword at `[kwStart, kwEnd)`, if a key ends there and a value follows. */
function namedValue(text: string, kwStart: number, kwEnd: number): Match | undefined {
  // The keyword ends the key (`tokens`, `token_type`, `password.length` are other words), and starts it or a part of it
  // (`db_password`, `dbPassword`, not `bypass`).
  const next = text[kwEnd] ?? ' ';
  if (LETTER_OR_DIGIT.test(next) || next === '_' || next === '-') return undefined;
  if (next === '.' && KEY_CHAR.test(text[kwEnd + 1] ?? ' ')) return undefined;
  let keyStart = kwStart;
  while (keyStart > 0 && kwStart - keyStart < MAX_KEY && KEY_CHAR.test(text[keyStart - 1])) keyStart--;
  if (keyStart > 0 && KEY_CHAR.test(text[keyStart - 1])) return undefined;
  if (keyStart < kwStart) {
    const before = text[kwStart - 1];
    const camel = /[\p{Ll}\p{N}]/u.test(before) && /\p{Lu}/u.test(text[kwStart]);
    if (!camel && before !== '_' && before !== '-' && before !== '.') return undefined;
  } else if (/^pass$/i.test(text.slice(kwStart, kwEnd))) return undefined; // `pass` alone: a verb
  const key = text.slice(keyStart, kwEnd);
  if (NOT_CREDENTIAL_KEY.test(key)) return undefined;
  const flag = key.startsWith('--');
  const name = flag ? key.slice(2) : key;
  if (/token$/i.test(name) && !IN_CAPITALS.test(name) && !SNAKE_TOKEN.test(name) && !CAMEL_TOKEN.test(name))
    return undefined;
  const pin = /pin$/i.test(name);
  // The separator: `=`, `:`, `:=`, `=>` (spaces around), after a closing quote of the key; `is`; a flag's space.
  let i = kwEnd;
  if (text[i] === '"' || text[i] === "'") i++;
  while (text[i] === ' ' || text[i] === '\t') i++;
  let separator: Separator;
  if (text.startsWith(':=', i) || text.startsWith('=>', i)) [separator, i] = ['=', i + 2];
  else if (text[i] === '=' && text[i + 1] !== '=') [separator, i] = ['=', i + 1];
  else if (text[i] === ':') [separator, i] = [':', i + 1];
  else {
    IS.lastIndex = kwEnd;
    if (keyStart === kwStart && IS.test(text)) [separator, i] = ['is', IS.lastIndex];
    else if (flag && i > kwEnd) separator = 'flag';
    else return undefined;
  }
  while (text[i] === ' ' || text[i] === '\t') i++;
  const m = valueAt(text, i, key, separator, startsLine(text, keyStart));
  // A PIN is 4 to 8 digits: `pin: true`, `PIN the tab` are none.
  return pin && m !== undefined && !/^\d{4,8}$/.test(m.value) ? undefined : m;
}

type Separator = '=' | ':' | 'is' | 'flag';

/**
 * The value at `i`: quoted to its closing quote on the line, or unquoted: to the next space on a line of its own
 * (`DB_PASSWORD=Xk9;q(2`, as an environment file writes it), else also to the next `,;(){}[]` (code: `{password:e,…}`).
 */
function valueAt(text: string, i: number, key: string, separator: Separator, lineKey: boolean): Match | undefined {
  const quote = text[i];
  let start = i;
  let end = i;
  const quoted = quote === '"' || quote === "'" || quote === '`';
  if (quoted) {
    start = end = i + 1;
    while (end < text.length && end - start <= MAX_VALUE && text[end] !== quote && text[end] !== '\n') end++;
    if (text[end] !== quote) return undefined;
  } else {
    // `KEY=value` as an environment file writes it (no space around `=`, no dotted key as code's `a.b = c;`).
    const envLine = lineKey && separator === '=' && text[i - 1] === '=' && !key.includes('.');
    while (end < text.length && end - start <= MAX_VALUE && !(envLine ? SPACE : SPACE_OR_CODE).test(text[end])) end++;
    // Punctuation after the value is the sentence's, unless an environment file's line ends with the value.
    if (!(envLine && (end === text.length || text[end] === '\n' || text[end] === '\r')))
      end = start + text.slice(start, end).replace(TRAILING, '').length;
  }
  const value = text.slice(start, end);
  if (value.length < 4 || value.length > MAX_VALUE || NOT_A_VALUE.test(value) || isPlaceholder(value)) return undefined;
  // A name with a credential's word in it is a variable or a constant's value (`password=password`, `token:
  // accessToken`, `GRANT_TYPE = 'refresh_token'`), quoted or not.
  if (value.toLowerCase() === key.toLowerCase() || (IDENTIFIER.test(value) && keywordIn(value))) return undefined;
  if (separator === 'is' && !DIGIT_OR_SYMBOL.test(value)) return undefined; // `the token is write-only`
  if (quoted) return CONSTANT.test(value) ? undefined : { category: 'credential', start, end, value, score: 0.8 };
  // Unquoted, a value may be code: a call, an index or a dotted name (`os.getenv("X")`, `self.token`), or a type
  // (`password: BinaryLike`).
  if (CODE.test(value) || TYPE_NAME.test(value)) return undefined;
  if (!LETTERS.test(value)) return { category: 'credential', start, end, value, score: 0.75 };
  // Letters alone: only as a line's value (`password: admin` in YAML, `PASSWORD=admin`, `password=admin`) or a flag's,
  // not in prose (`Change the password: Settings`) nor in code (`url.password = result`, `token = value`).
  const assignment = separator === '=' && !IN_CAPITALS.test(key) && text[start - 1] === ' ';
  const ownLine = lineKey && !key.includes('.') && !assignment && lineEndsAt(text, end);
  return ownLine || separator === 'flag' ? { category: 'credential', start, end, value, score: 0.6 } : undefined;
}

/** True if a part of the name `word` (split at `_`, `-` and camel case) is a credential's word: `userPassword`. */
function keywordIn(word: string): boolean {
  return word.split(NAME_PARTS).some((part) => KEYWORD_PART.test(part));
}

/**
 * True if `value` stands where a credential goes without being one: a placeholder, a masked value, or a name in
 * capitals (`YOUR_API_KEY`, `API_TOKEN_HERE`). Words in small letters are taken (`my-secret-pw`, the MySQL image's
 * example, is many a real password).
 */
function isPlaceholder(value: string): boolean {
  return PLACEHOLDER.test(value) || MASKED.test(value) || (CAPITALS_JOINED.test(value) && keywordIn(value));
}
const CAPITALS_JOINED = /^[A-Z][A-Z0-9]*(?:[_-][A-Z0-9]+)+$/;

/** True if only spaces, tabs, quotes, dashes (a YAML list item) or an opening brace stand before `i` on its line. */
function startsLine(text: string, i: number): boolean {
  for (let j = i - 1; j >= 0; j--) {
    const c = text[j];
    if (c === '\n' || c === '\r') return true;
    if (c !== ' ' && c !== '\t' && c !== '"' && c !== "'" && c !== '-' && c !== '{') return false;
  }
  return true;
}

/** True if only spaces, commas, semicolons or closing brackets stand between `end` and the end of its line. */
function lineEndsAt(text: string, end: number): boolean {
  for (let i = end; i < text.length; i++) {
    const c = text[i];
    if (c === '\n' || c === '\r') return true;
    if (c !== ' ' && c !== '\t' && c !== ',' && c !== ';' && c !== '}' && c !== ')' && c !== ']') return false;
  }
  return true;
}
