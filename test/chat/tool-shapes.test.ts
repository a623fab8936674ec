// Privacy, output policy, images and capabilities on the new shapes: tool calls, tool results, JSON answers, images.

import { describe, expect, it } from 'vitest';
import { createAnswerTransforms } from '../../src/chat/answer-transforms.js';
import { cacheKey } from '../../src/chat/cache-key.js';
import { protectShapes } from '../../src/chat/protect-shapes.js';
import { tableLeaves } from '../../src/chat/table-leaves.js';
import { ChatService, type RoutedModel } from '../../src/chat/chat-service.js';
import type { ChatEvent, ChatMessage, ChatParams, ChatRequest, Principal } from '../../src/domain/index.js';
import { createPrivacyFilter, labelPrefix } from '../../src/privacy/index.js';
import type { ChatModel } from '../../src/domain/index.js';
import { MemoryCacheStore } from '../../src/store/memory/cache-store.js';

const principal: Principal = { id: 'p', role: 'user', via: 'api-key', scope: 'p' };
const EMAIL = 'ann.lee@example.com';

/** A route that records the request it got and answers with `events`. */
function fakeRoute(events: (request: ChatRequest) => ChatEvent[], seen: ChatRequest[], provider = 'fake'): ChatModel {
  return {
    provider,
    async *stream(request): AsyncGenerator<ChatEvent> {
      seen.push(request);
      yield { type: 'start' };
      yield* events(request);
    },
  };
}

function service(
  route: ChatModel,
  extra: Partial<RoutedModel> = {},
  opts: { images?: 'allow' | 'block'; blockWord?: string } = {},
): ChatService {
  return new ChatService({
    models: new Map([
      ['m', { config: { name: 'm', description: '', contextTokens: 8192, targets: [] }, route, ...extra }],
    ]),
    cache: new MemoryCacheStore({ maxEntries: 1 }),
    cacheConfig: { mode: 'off', ttlMs: 0, maxEntries: 0 },
    promptGuard: createPrivacyFilter(),
    answerTransforms: createAnswerTransforms(
      opts.blockWord
        ? {
            output: {
              mode: 'enforce',
              holdBackChars: 16,
              rules: [{ category: 'x', action: 'block', words: [opts.blockWord] }],
            },
          }
        : {},
    ),
    images: opts.images,
  });
}

async function run(chat: ChatService, messages: ChatMessage[], params: ChatParams = {}): Promise<ChatEvent[]> {
  const r = await chat.start({
    api: 'openai',
    requestId: 'r',
    principal,
    model: 'm',
    messages,
    params,
    stream: true,
    cacheMode: 'default',
    signal: new AbortController().signal,
  });
  const out: ChatEvent[] = [];
  for await (const e of r) out.push(e);
  return out;
}

const argsOf = (events: ChatEvent[], id: string): string =>
  events.map((e) => (e.type === 'tool-input-delta' && e.id === id ? e.delta : '')).join('');

describe('personal data in tool calls and results', () => {
  it('pseudonymises tool-call arguments and tool results before the provider, and restores them in new arguments', async () => {
    const seen: ChatRequest[] = [];
    const route = fakeRoute((req) => {
      const result = req.messages.find((m) => m.role === 'tool')!.content;
      const args = JSON.stringify({ to: result.slice(result.indexOf('[')) });
      return [
        { type: 'tool-input-start', id: 'call_2', toolName: 'send' },
        { type: 'tool-input-delta', id: 'call_2', delta: args },
        { type: 'tool-input-end', id: 'call_2' },
        { type: 'finish', finishReason: 'tool-calls' },
      ];
    }, seen);
    const events = await run(
      service(route),
      [
        { role: 'user', content: 'write to my friend' },
        {
          role: 'assistant',
          content: '',
          toolCalls: [
            { id: 'call_1', name: 'lookup', arguments: JSON.stringify({ name: 'friend', hint: `maybe ${EMAIL}` }) },
          ],
        },
        { role: 'tool', toolCallId: 'call_1', content: `found ${EMAIL}` },
      ],
      { tools: [{ name: 'send', parameters: { type: 'object' } }] },
    );
    const sent = JSON.stringify(seen[0].messages);
    expect(sent).not.toContain(EMAIL);
    expect(JSON.parse(seen[0].messages[1].toolCalls![0].arguments)).toEqual({
      name: 'friend',
      hint: 'maybe [EMAIL_1]',
    });
    expect(seen[0].messages[2].content).toBe('found [EMAIL_1]');
    expect(seen[0].messages[1].toolCalls![0].id).toBe('call_1');
    expect(JSON.parse(argsOf(events, 'call_2'))).toEqual({ to: EMAIL });
  });

  it('rewrites only the leaves it protects: numbers beyond double precision and the formatting survive', async () => {
    const seen: ChatRequest[] = [];
    const route = fakeRoute(() => [{ type: 'finish', finishReason: 'stop' }], seen);
    const args = `{"order": 12345678901234567890, "price": 1.50,\n "note": "ship to ${EMAIL}", "n": [1e3, -0.0]}`;
    await run(service(route), [
      { role: 'user', content: 'status?' },
      { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'track', arguments: args }] },
      { role: 'tool', toolCallId: 'c1', content: 'shipped' },
    ]);
    expect(seen[0].messages[1].toolCalls![0].arguments).toBe(
      '{"order": 12345678901234567890, "price": 1.50,\n "note": "ship to [EMAIL_1]", "n": [1e3, -0.0]}',
    );
  });

  it('pseudonymises personal data in keys and in numbers of tool-call arguments', async () => {
    const seen: ChatRequest[] = [];
    const route = fakeRoute(() => [{ type: 'finish', finishReason: 'stop' }], seen);
    const args = `{"${EMAIL}": {"card": 4111111111111111, "qty": 2}, "esc\\\\aped \\"key\\"": "x\\u0041"}`;
    await run(service(route), [
      { role: 'user', content: 'pay' },
      { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'pay', arguments: args }] },
      { role: 'tool', toolCallId: 'c1', content: 'ok' },
    ]);
    const sent = seen[0].messages[1].toolCalls![0].arguments;
    expect(sent).not.toContain(EMAIL);
    expect(sent).not.toContain('4111111111111111');
    // A protected number becomes its placeholder, a string; the rest is as written.
    expect(sent).toBe('{"[EMAIL_1]": {"card": "[CARD_1]", "qty": 2}, "esc\\\\aped \\"key\\"": "x\\u0041"}');
  });

  it('protects every leaf as if alone, also when a custom pattern would run across leaves', () => {
    // The leaves of a call go to the filter joined into one text; a finding across two leaves sends the call back leaf
    // by leaf.
    const filter = createPrivacyFilter({}, { custom: [{ name: 'ticket', pattern: String.raw`TCK-\S+` }] });
    const args = `{"a": "TCK-1", "b": "x", "c": ["${EMAIL}", 4111111111111111], "d": "TCK-2 and TCK-1"}`;
    const message: ChatMessage = {
      role: 'assistant',
      content: '',
      toolCalls: [{ id: 'c1', name: 't', arguments: args }],
    };
    const { messages, counts } = protectShapes(filter, [message], {});
    expect(messages[0].toolCalls![0].arguments).toBe(
      '{"a": "[TICKET_1]", "b": "x", "c": ["[EMAIL_1]", "[CARD_1]"], "d": "[TICKET_2] and [TICKET_1]"}',
    );
    expect(counts).toEqual({ email: 1, card: 1 });
    // A leaf holding the separator's NUL: leaf by leaf too.
    const nul = `{"a": "x\\u0000y", "b": "${EMAIL}"}`;
    const call: ChatMessage = { role: 'assistant', content: '', toolCalls: [{ id: 'c2', name: 't', arguments: nul }] };
    expect(protectShapes(filter, [call], {}).messages[0].toolCalls![0].arguments).toBe(
      '{"a": "x\\u0000y", "b": "[EMAIL_1]"}',
    );
  });

  it('hands the filter the leaves of a call as one text, not one by one', () => {
    const filter = createPrivacyFilter();
    const units: number[] = [];
    const counting = {
      protect: (messages: readonly ChatMessage[], mapping: Record<string, string>) => {
        units.push(messages.length);
        return filter.protect(messages, mapping);
      },
    };
    const args = JSON.stringify({ ids: Array.from({ length: 1000 }, (_, i) => i), to: EMAIL });
    const message: ChatMessage = {
      role: 'assistant',
      content: '',
      toolCalls: [{ id: 'c1', name: 't', arguments: args }],
    };
    const { messages } = protectShapes(counting, [message], {});
    expect(units).toEqual([2]); // the message's text and the call's 1,002 leaves
    expect(JSON.parse(messages[0].toolCalls![0].arguments)).toEqual({
      ids: Array.from({ length: 1000 }, (_, i) => i),
      to: '[EMAIL_1]',
    });
  });

  it('reads a FHIR patient’s name parts, each element of an array after the array’s key', () => {
    const patient = {
      resourceType: 'Patient',
      name: [{ use: 'official', family: 'Kowalczyk', given: ['Agnieszka', 'Maria'] }],
      birthDate: '1985-03-14',
      address: [{ line: ['Dickens Gate 12'], city: 'Leeds', postalCode: 'LS1 4AP' }],
      tags: ['Release Train', 'Build Bot'],
    };
    const { messages } = protectShapes(
      createPrivacyFilter(),
      [{ role: 'tool', toolCallId: 'c', content: JSON.stringify(patient) }],
      {},
    );
    expect(JSON.parse(messages[0].content)).toEqual({
      ...patient,
      name: [{ use: 'official', family: '[PERSON_1]', given: ['[PERSON_2]', '[PERSON_3]'] }],
      birthDate: '[DATE_OF_BIRTH_1]',
      address: [{ line: ['[ADDRESS_1]'], city: 'Leeds', postalCode: '[ADDRESS_2]' }],
    });
  });

  it('takes no key’s words about people for the context of a name, but its words about products', () => {
    const kept = {
      employeeTeam: 'Platform Engineering',
      employeeDepartment: 'Human Resources',
      clientApp: 'Mobile Safari',
      customerPlan: 'Enterprise Cloud',
      managerOf: 'Sales Team',
      productName: 'Handcrafted Granite Chair',
    };
    const json = JSON.stringify({ ...kept, owner: 'Jonathan Whitfield' });
    const { messages } = protectShapes(createPrivacyFilter(), [{ role: 'tool', toolCallId: 'c', content: json }], {});
    expect(JSON.parse(messages[0].content)).toEqual({ ...kept, owner: '[PERSON_1]' });
  });

  it('sees each value of arguments and JSON tool results after its key, so values that need a label are caught', () => {
    // A bare SSN, a passport number, a date of birth and a lone given or family name are personal data only after a
    // label; in JSON the label is the key. Keys that only end in `name` or are words about people are no cue for names.
    // The escaped `@` hides the email address from a scan of the raw text.
    const json = [
      '{',
      '  "patient": {"firstName": "Maria", "lastName": "Gonzalez", "dateOfBirth": "14/03/1985"},',
      '  "fileName": "Report Q3.pdf", "tenant": "Default Tenant",',
      '  "ssn": 123456789, "passportNo": "C01X00T47",',
      '  "contact": "ann.lee\\u0040example.com", "qty": 2, "notes": ["born 1985"]',
      '}',
    ].join('\n');
    const expected = [
      '{',
      '  "patient": {"firstName": "[PERSON_1]", "lastName": "[PERSON_2]", "dateOfBirth": "[DATE_OF_BIRTH_1]"},',
      '  "fileName": "Report Q3.pdf", "tenant": "Default Tenant",',
      '  "ssn": "[SSN_1]", "passportNo": "[PASSPORT_1]",',
      '  "contact": "[EMAIL_1]", "qty": 2, "notes": ["born 1985"]',
      '}',
    ].join('\n');
    const { messages } = protectShapes(
      createPrivacyFilter(),
      [
        { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 't', arguments: json }] },
        { role: 'tool', toolCallId: 'c1', content: json },
        { role: 'tool', toolCallId: 'c2', content: '[not json] ssn 123456789' },
      ],
      {},
    );
    expect(messages[0].toolCalls![0].arguments).toBe(expected);
    expect(messages[1].content).toBe(expected);
    expect(messages[2].content).toBe('[not json] ssn [SSN_1]');
  });

  it.each([
    [
      'CSV',
      'name,dob,ssn\nMaria Gonzalez,14/03/1985,123456789\n',
      'name,dob,ssn\n[PERSON_1],[DATE_OF_BIRTH_1],[SSN_1]\n',
    ],
    [
      'a psql table',
      [
        ' first_name | last_name | passport',
        '------------+-----------+-----------',
        ' Maria      | Gonzalez  | C01X00T47',
      ]
        .concat('(1 row)')
        .join('\n'),
      [' first_name | last_name | passport', '------------+-----------+-----------']
        .concat(' [PERSON_1]      | [PERSON_2]  | [PASSPORT_1]', '(1 row)')
        .join('\n'),
    ],
    [
      'a Markdown table after text',
      'Found:\n\n| Patient | DOB |\n|---|---|\n| Maria Gonzalez | 1985-03-14 |\n\nssn 123456789',
      'Found:\n\n| Patient | DOB |\n|---|---|\n| [PERSON_1] | [DATE_OF_BIRTH_1] |\n\nssn [SSN_1]',
    ],
    [
      'two tables',
      'Customers:\nname,dob\nMaria Gonzalez,14/03/1985\n\nIds:\n| id | ssn |\n|---|---|\n| 7 | 123456789 |\nEnd',
      'Customers:\nname,dob\n[PERSON_1],[DATE_OF_BIRTH_1]\n\nIds:\n| id | ssn |\n|---|---|\n| 7 | [SSN_1] |\nEnd',
    ],
  ])('sees each cell of %s in a tool result after its column’s header', (_kind, table, expected) => {
    const { messages } = protectShapes(createPrivacyFilter(), [{ role: 'tool', toolCallId: 'c', content: table }], {});
    expect(messages[0].content).toBe(expected);
  });

  it('reads a spreadsheet or JSON pasted into any message as it reads a tool result', () => {
    const csv = 'Please check these rows:\nname,dob,ssn\nMaria Gonzalez,14/03/1985,123456789\n';
    const json = '{"dateOfBirth": "14/03/1985", "ssn": 123456789}';
    const { messages } = protectShapes(
      createPrivacyFilter(),
      [
        { role: 'system', content: `Known customer:\n${csv}` },
        { role: 'user', content: csv },
        { role: 'assistant', content: json },
        { role: 'user', content: json },
      ],
      {},
    );
    const protectedCsv = 'Please check these rows:\nname,dob,ssn\n[PERSON_1],[DATE_OF_BIRTH_1],[SSN_1]\n';
    expect(messages.map((m) => m.content)).toEqual([
      `Known customer:\n${protectedCsv}`,
      protectedCsv,
      '{"dateOfBirth": "[DATE_OF_BIRTH_1]", "ssn": "[SSN_1]"}',
      '{"dateOfBirth": "[DATE_OF_BIRTH_1]", "ssn": "[SSN_1]"}',
    ]);
  });

  it('reads no table where there is none: prose, code, numbered lines', () => {
    const filter = createPrivacyFilter();
    for (const text of [
      'Hello, my name is Maria Gonzalez.\nThanks, see you.',
      'const a = f(x, y);\nconst b = g(x, y);',
      '     1\timport x from "y";\n     2\texport const z = 1;',
    ]) {
      expect(
        tableLeaves(text, (key) => key),
        text,
      ).toBeUndefined();
      const direct = filter.protect([{ role: 'tool', content: text }]).messages[0].content;
      const viaShapes = protectShapes(filter, [{ role: 'tool', toolCallId: 'c', content: text }], {}).messages[0];
      expect(viaShapes.content, text).toBe(direct);
      const user = protectShapes(filter, [{ role: 'user', content: text }], {}).messages[0];
      expect(user.content, text).toBe(filter.protect([{ role: 'user', content: text }]).messages[0].content);
    }
  });

  it('goes back to leaf by leaf, without labels, when a custom term takes a label', () => {
    const filter = createPrivacyFilter({}, { custom: [{ name: 'code', terms: ['ssn'] }] });
    const { messages } = protectShapes(
      filter,
      [{ role: 'tool', toolCallId: 'c1', content: `{"ssn": 123456789, "to": "${EMAIL}"}` }],
      {},
    );
    expect(messages[0].content).toBe('{"[CODE_1]": 123456789, "to": "[EMAIL_1]"}');
  });

  it('redacts the credentials of arguments and JSON tool results after their keys, letters alone too', () => {
    const json = JSON.stringify({
      host: 'db.internal',
      user: 'admin',
      password: 'sunshine',
      dbPassword: 'Xk9#mq2!pL',
      apiKey: 'a8f5f167f44f',
      access_token: 'ya29.a0AfH6SMB',
      next_page_token: 'CiAKGjBpNDd2',
      max_tokens: 1024,
    });
    const { messages } = protectShapes(
      createPrivacyFilter(),
      [
        { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'connect', arguments: json }] },
        { role: 'tool', toolCallId: 'c1', content: json },
      ],
      {},
    );
    const expected = JSON.stringify({
      host: 'db.internal',
      user: 'admin',
      password: '[REDACTED_CREDENTIAL]',
      dbPassword: '[REDACTED_CREDENTIAL]',
      apiKey: '[REDACTED_CREDENTIAL]',
      access_token: '[REDACTED_CREDENTIAL]',
      next_page_token: 'CiAKGjBpNDd2',
      max_tokens: 1024,
    });
    expect(messages[0].toolCalls![0].arguments).toBe(expected);
    expect(messages[1].content).toBe(expected);
  });

  it('writes keys as labels: a form’s gap for most, a name cue for the keys of a person’s name', () => {
    expect(labelPrefix('dateOfBirth')).toBe('date of birth = ');
    expect(labelPrefix('passport_number')).toBe('passport number = ');
    expect(labelPrefix('SSN')).toBe('ssn = ');
    expect(labelPrefix('Steuer-ID')).toBe('steuer id = ');
    expect(labelPrefix('fødselsdato')).toBe('fødselsdato = ');
    expect(labelPrefix('firstName')).toBe('first name: ');
    expect(labelPrefix('last_name')).toBe('last name: ');
    expect(labelPrefix('surname')).toBe('surname, name: ');
    expect(labelPrefix('Nachname')).toBe('nachname, name: ');
    expect(labelPrefix('family')).toBe('family, name: ');
    expect(labelPrefix('addressLine1')).toBe('address line: ');
    expect(labelPrefix('shipping_address')).toBe('shipping address: ');
    expect(labelPrefix('streetName')).toBe('street name: ');
    expect(labelPrefix('zipCode')).toBe('zip code: ');
    // A credential's key as a config file's line, where a value of letters alone counts (`db_password: sunshine`).
    expect(labelPrefix('dbPassword')).toBe('db_password: ');
    expect(labelPrefix('api-key')).toBe('api_key: ');
    for (const key of ['street', 'Straße', 'straat', 'calle', 'zip', 'postcode', 'postal_code', 'PLZ', 'codigo postal'])
      expect(labelPrefix(key), key).toMatch(/^[\p{L} ]+: $/u);
    const things = ['fileName', 'hostname', 'name', 'userName', 'displayName', 'emailAddress', 'ipAddress', 'line1'];
    for (const key of [...things, 'gate', 'cap']) expect(labelPrefix(key), key).toMatch(/ = $/);
    for (const key of ['123', EMAIL, 'a/b', '', 'x'.repeat(49)]) expect(labelPrefix(key), key).toBe('');
  });

  it('restores a placeholder split across argument fragments at every split point', async () => {
    const json = JSON.stringify({ to: '[EMAIL_1]', cc: 'x' });
    for (let a = 1; a < json.length; a++) {
      for (const b of [a + 1, a + 3, json.length - 1]) {
        if (b <= a || b >= json.length) continue;
        const pieces = [json.slice(0, a), json.slice(a, b), json.slice(b)];
        const route = fakeRoute(
          () => [
            { type: 'tool-input-start', id: 'c', toolName: 'send' },
            ...pieces.map((delta): ChatEvent => ({ type: 'tool-input-delta', id: 'c', delta })),
            { type: 'tool-input-end', id: 'c' },
            { type: 'finish', finishReason: 'tool-calls' },
          ],
          [],
        );
        const events = await run(service(route), [{ role: 'user', content: `mail ${EMAIL}` }], {
          tools: [{ name: 'send', parameters: {} }],
        });
        expect(JSON.parse(argsOf(events, 'c')), `split at ${a}/${b}`).toEqual({ to: EMAIL, cc: 'x' });
        expect(events.at(-2)).toEqual({ type: 'tool-input-end', id: 'c' });
      }
    }
  });

  it('keeps restored values valid inside JSON (a JSON answer with a value needing escapes)', async () => {
    const tricky = 'o"hara@example.com';
    const route = fakeRoute((req) => {
      const placeholder = /\[EMAIL_\d+\]/.exec(req.messages[0].content)![0];
      return [
        { type: 'text-delta', text: `{"email":"${placeholder.slice(0, 4)}` },
        { type: 'text-delta', text: `${placeholder.slice(4)}"}` },
        { type: 'finish', finishReason: 'stop' },
      ];
    }, []);
    const events = await run(service(route), [{ role: 'user', content: `my address is x${tricky}` }], {
      responseFormat: { type: 'json' },
    });
    const text = events.map((e) => (e.type === 'text-delta' ? e.text : '')).join('');
    expect(() => JSON.parse(text)).not.toThrow();
  });

  it('blocks a secret in a tool result like one in a message', async () => {
    const route = fakeRoute(() => [{ type: 'finish', finishReason: 'stop' }], []);
    await expect(
      run(service(route), [
        { role: 'user', content: 'read the config' },
        { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'read', arguments: '{}' }] },
        { role: 'tool', toolCallId: 'c1', content: 'key: sk-proj-abcdefghijklmnopqrstuvwxyz0123456789ABCD' },
      ]),
    ).rejects.toMatchObject({ code: 'content_blocked' });
  });

  it('applies the output policy to tool arguments', async () => {
    const route = fakeRoute(
      () => [
        { type: 'tool-input-start', id: 'c', toolName: 'run' },
        { type: 'tool-input-delta', id: 'c', delta: '{"cmd":"forbid' },
        { type: 'tool-input-delta', id: 'c', delta: 'den thing"}' },
        { type: 'tool-input-end', id: 'c' },
        { type: 'finish', finishReason: 'tool-calls' },
      ],
      [],
    );
    await expect(
      run(service(route, {}, { blockWord: 'forbidden' }), [{ role: 'user', content: 'go' }], {
        tools: [{ name: 'run', parameters: {} }],
      }),
    ).rejects.toMatchObject({ code: 'content_blocked' });
  });

  it('pseudonymises text parts next to an image and refuses images when privacy.images is block', async () => {
    const seen: ChatRequest[] = [];
    const route = fakeRoute(
      () => [
        { type: 'text-delta', text: 'ok' },
        { type: 'finish', finishReason: 'stop' },
      ],
      seen,
    );
    const msg: ChatMessage = {
      role: 'user',
      content: `who is ${EMAIL}`,
      parts: [
        { type: 'text', text: `who is ${EMAIL}` },
        { type: 'image', url: 'data:image/png;base64,AAAA' },
      ],
    };
    await run(service(route), [msg]);
    expect(seen[0].messages[0].parts).toEqual([
      { type: 'text', text: 'who is [EMAIL_1]' },
      { type: 'image', url: 'data:image/png;base64,AAAA' },
    ]);
    expect(seen[0].messages[0].content).toBe('who is [EMAIL_1]');
    await expect(run(service(route, {}, { images: 'block' }), [msg])).rejects.toMatchObject({
      code: 'content_blocked',
      status: 422,
    });
  });
});

describe('capabilities', () => {
  const targets = [
    { provider: 'a', providerType: 'anthropic', model: 'claude', capabilities: ['tools'] },
    { provider: 'o', providerType: 'openai', model: 'gpt', capabilities: ['tools', 'vision'] },
  ];

  it('skips targets without a needed capability and says so; refuses with a 400 naming it when none is left', async () => {
    const seen: ChatRequest[] = [];
    const picked: number[][] = [];
    const skipped: string[] = [];
    const full = fakeRoute(
      () => [
        { type: 'text-delta', text: 'x' },
        { type: 'finish', finishReason: 'stop' },
      ],
      seen,
      'full',
    );
    const subset = fakeRoute(
      () => [
        { type: 'text-delta', text: 'y' },
        { type: 'finish', finishReason: 'stop' },
      ],
      seen,
      'subset',
    );
    const chat = service(full, {
      targets,
      routeFor: (idx) => (
        picked.push([...idx]),
        { route: subset, observer: { targetSkipped: (p, m, miss) => skipped.push(`${p}/${m}:${miss}`) } }
      ),
    });
    const image: ChatMessage = {
      role: 'user',
      content: 'see',
      parts: [{ type: 'image', url: 'https://example.com/a.png' }],
    };
    const events = await run(chat, [image]);
    expect(picked).toEqual([[1]]);
    expect(skipped).toEqual(['a/claude:vision']);
    expect(events.find((e) => e.type === 'text-delta')).toMatchObject({ text: 'y' });
    await expect(run(chat, [{ role: 'user', content: 'x' }], { reasoningEffort: 'high' })).rejects.toMatchObject({
      status: 400,
      param: 'reasoning_effort',
      message: expect.stringMatching(/"reasoning" is not in its configured capabilities/),
    });
    // logprobs: the anthropic adapter cannot, the openai target can.
    await run(chat, [{ role: 'user', content: 'x' }], { logprobs: { top: 0 } });
    expect(skipped.at(-1)).toBe('a/claude:logprobs');
    const anthropicOnly = service(full, { targets: [targets[0]] });
    await expect(run(anthropicOnly, [{ role: 'user', content: 'x' }], { logprobs: { top: 0 } })).rejects.toMatchObject({
      status: 400,
      param: 'logprobs',
      message: expect.stringMatching(/anthropic/),
    });
  });
});

describe('cache keys', () => {
  const base: ChatMessage[] = [{ role: 'user', content: 'same' }];
  const key = (messages: ChatMessage[], params: ChatParams = {}) => cacheKey('s', 'm', messages, params);
  it('differ by tools, tool choice, response format and images', () => {
    const keys = [
      key(base),
      key(base, { tools: [{ name: 'a', parameters: {} }] }),
      key(base, { tools: [{ name: 'a', parameters: {} }], toolChoice: 'required' }),
      key(base, { responseFormat: { type: 'json' } }),
      key([
        {
          ...base[0],
          parts: [
            { type: 'text', text: 'same' },
            { type: 'image', url: 'https://x/1.png' },
          ],
        },
      ]),
      key([
        {
          ...base[0],
          parts: [
            { type: 'text', text: 'same' },
            { type: 'image', url: 'https://x/2.png' },
          ],
        },
      ]),
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });
});
