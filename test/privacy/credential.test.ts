// The credential recognizer: passwords, tokens and keys that the text names, whatever their shape.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { credentialDetector, detect } from '../../src/privacy/detectors/index.js';
import { createPrivacyFilter } from '../../src/privacy/privacy-filter.js';
import { ParleyError } from '../../src/domain/index.js';
import { loadEvalCases } from './eval/score.js';

const credentials = (text: string): string[] =>
  detect(text)
    .filter((m) => m.category === 'credential')
    .map((m) => m.value);

describe('credential recognizer', () => {
  it.each([
    ['my password is hunter2', 'hunter2'],
    ['The password is: Tr0ub4dor&3', 'Tr0ub4dor&3'],
    ["password = 'hunter2'", 'hunter2'],
    ['DB_PASSWORD=Xk9#mq2!pL', 'Xk9#mq2!pL'],
    ['DB_PASSWORD=Xk9;q,2}', 'Xk9;q,2}'], // a line of an environment file: to the next space
    ['SMTP_PASS=mailpass99', 'mailpass99'],
    ['export GITHUB_TOKEN=abc123def456', 'abc123def456'],
    ['{"api_key": "a8f5f167f44f4964e6c998dee827110c"}', 'a8f5f167f44f4964e6c998dee827110c'],
    ['client_secret=GOCSPX-abcdefghijklmnop1234', 'GOCSPX-abcdefghijklmnop1234'],
    ["curl -H 'X-API-Key: 9f8e7d6c5b4a' https://api.example.com", '9f8e7d6c5b4a'],
    ['password: admin', 'admin'], // YAML: letters alone as a line's value
    ['db:\n  password: s3cr3t-value\n', 's3cr3t-value'],
    ['mysql -u root --password Sup3rS3cret! db', 'Sup3rS3cret!'],
    ['--token=abc123xyz', 'abc123xyz'],
    ['newPassword: "abc123!"', 'abc123!'],
    ['API key: 7c9e6679-7425-40de-944b', '7c9e6679-7425-40de-944b'],
    ['my api key is 7c9e6679ab', '7c9e6679ab'],
    ["PASSPHRASE := 'open sesame now'", 'open sesame now'],
    ['$config = ["password" => "pa55word"];', 'pa55word'],
    ['accessToken: "ya29.a0AfH6SMB"', 'ya29.a0AfH6SMB'],
    // Azure's connection string: the value ends at its `;`.
    ['DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=Zm9vYmFy+YmF6==;EndpointSuffix=x', 'Zm9vYmFy+YmF6=='],
    ['SharedAccessKey=9aB3dE5fG7hJ', '9aB3dE5fG7hJ'],
    // Configuration files and command lines as people paste them.
    ['services:\n  db:\n    environment:\n      POSTGRES_PASSWORD: Sup3rS3cret\n', 'Sup3rS3cret'],
    ['spring.datasource.password=Hunter2!\nspring.datasource.username=sa', 'Hunter2!'],
    ['[client]\nuser=root\npassword="my secret pw"', 'my secret pw'],
    ['docker run -e MYSQL_ROOT_PASSWORD=my-secret-pw -d mysql:8', 'my-secret-pw'],
    ['kubectl create secret generic db --from-literal=password=S3cr3t!', 'S3cr3t!'],
    ['psql "host=db user=app password=S3cr3t dbname=app"', 'S3cr3t'],
    // Other languages' words for a password, a PIN (digits only), and a command line's user:password.
    ['Login: bob / Passwort: Geheim123', 'Geheim123'],
    ['contraseña: Secreto123', 'Secreto123'],
    ['mot de passe : Secret123', 'Secret123'],
    ['wachtwoord=Geheim99', 'Geheim99'],
    ['lösenord: Hemligt1', 'Hemligt1'],
    ['PIN: 4821', '4821'],
    ['my pin is 4821', '4821'],
    ['curl -u admin:Sup3rS3cret https://api.example.com', 'Sup3rS3cret'],
    ["curl --user 'bob:pa55word' https://x", 'pa55word'],
    ['Authorization: Bearer 8f14e45fceea167a5a36dedd4bea2543', '8f14e45fceea167a5a36dedd4bea2543'],
    ['Proxy-Authorization: Basic dXNlcjpwYXNz', 'dXNlcjpwYXNz'],
    ['{"Authorization": "Bearer abc.def-123456"}', 'abc.def-123456'],
    ['curl -H "authorization: token ghx_abc12345678" https://x', 'ghx_abc12345678'],
  ])('finds the credential in %j', (text, value) => {
    expect(credentials(text)).toEqual([value]);
  });

  it.each([
    'const password = process.env.DB_PASSWORD;',
    'password = getpass.getpass()',
    'password = os.environ["DB_PASSWORD"]',
    "if (password === '') return;",
    'if password == "x": pass',
    'password: string;',
    'token?: string',
    'password: BinaryLike',
    'def login(username, password=None):',
    'login(password=password)',
    'token: accessToken',
    'url.password = result',
    '    token = value',
    'Reset your password: click the link below',
    'Change the password: Settings',
    'the password is required',
    'The token is valid for 3600 seconds',
    'the token is write-only',
    'PASSWORD_MIN_LENGTH = 8',
    'max_tokens: 1024',
    'token_count: 1000',
    'next_page_token: CiAKGjBpNDd2Nmp2Zml2cXRwYjBpOXA0',
    "limitToken: 'LIMIT'",
    "authToken: 'AUTH'",
    'Authorization: Bearer $TOKEN',
    'Authorization: Bearer <token>',
    'Authorization: Bearer YOUR_API_KEY',
    'Authorization: required',
    'api_key: your-api-key-here',
    'password: ********',
    'OPENAI_API_KEY=sk-xxxxxxxxxxxxxxxxxxxx',
    'token: ${GITHUB_TOKEN}',
    "apiKey: 'sk-ant-...'",
    'The secretary said the passport is 12 weeks',
    'bypass the tokenizer: it is fine',
    'secretName: db-creds',
    '"password": ""',
    'passwordHash: 9f8e7d6c',
    'Use --password-stdin to pass it',
    'pass: 3 of 5 tests',
    'The API key is stored in the vault.',
    'PWD=/home/user/project',
    'permissions:\n  id-token: write\n',
    'password: https://vault.example.com/db',
    "GRANT_TYPE_REFRESH_TOKEN = 'refresh_token'",
    'pin: true',
    'spin: 4821',
    'palabra clave: marketing',
    'curl -u admin: https://x',
    'curl -u $USER:$PASS https://x',
    'echo -u 10:30',
  ])('leaves %j alone', (text) => {
    expect(credentials(text)).toEqual([]);
  });

  it('leaves a vendor key or a URL credential to its own category', () => {
    expect(detect('token: ghp_abcdefghijklmnopqrstuvwxyz0123456789').map((m) => m.category)).toEqual(['github_token']);
    expect(detect('see https://x.example.com/a?password=abcdef123456').map((m) => m.category)).toEqual([
      'url_credentials',
    ]);
  });

  it('finds nothing in the evaluation set and the PII fixtures but their vendor keys (data not written for it)', () => {
    const fixtures = readFileSync(join(import.meta.dirname, '../fixtures/pii/cases.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { text: string });
    const texts = [...loadEvalCases(), ...fixtures].map((c) => c.text);
    expect(texts.length).toBeGreaterThan(3900);
    // Their labelled vendor keys (`OPENAI_API_KEY=sk-proj-…`) are found, and kept by the vendor's category.
    expect(texts.flatMap(credentials)).toEqual([]);
    expect(texts.filter((t) => credentialDetector.find(t).length > 0).length).toBeGreaterThan(10);
  });
});

describe('credential in the filter', () => {
  it('redacts the value by default and keeps the rest of the prompt', () => {
    const out = createPrivacyFilter().protect([
      { role: 'user', content: 'Why does DB_PASSWORD=Xk9#mq2!pL not work with\npostgres:\n  password: s3cr3t-99' },
    ]);
    expect(out.messages[0].content).toBe(
      'Why does DB_PASSWORD=[REDACTED_CREDENTIAL] not work with\npostgres:\n  password: [REDACTED_CREDENTIAL]',
    );
    expect(out.mapping).toEqual({});
    expect(out.counts).toEqual({ credential: 2 });
  });

  it('refuses the prompt naming the kind, never the value, when the operator blocks credentials', () => {
    const filter = createPrivacyFilter({ credential: 'block' });
    let error: unknown;
    try {
      filter.protect([{ role: 'user', content: 'my password is hunter2' }]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ParleyError);
    expect((error as ParleyError).message).toContain('a password or other credential');
    expect((error as ParleyError).message).not.toContain('hunter2');
  });
});
