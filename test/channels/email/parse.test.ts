import { describe, expect, it } from 'vitest';
import { MAX_ATTACHMENT_BYTES } from '../../../src/channels/email/content.ts';
import { parsePostmarkInbound } from '../../../src/channels/email/parse.ts';
import { AppError } from '../../../src/core/errors.ts';
import type { InboundMessageEvent } from '../../../src/normalizer/types.ts';
import { fixtureRequest, loadFixture, webhookRequest } from './fixtures.ts';

const config = { server_token: 'token', from_email: 'Support <Support@Example.com>' };

function parseOne(request = fixtureRequest('inbound_plain')): InboundMessageEvent {
  const events = parsePostmarkInbound(request, config);
  expect(events).toHaveLength(1);
  expect(events[0]!.type).toBe('message');
  return events[0] as InboundMessageEvent;
}

/** The email with these headers set, replacing any of the same name. */
function withHeaders(
  email: Record<string, unknown>,
  values: Record<string, string>,
): Record<string, unknown> {
  const names = new Set(Object.keys(values).map((name) => name.toLowerCase()));
  const kept = (email.Headers as Array<{ Name: string }>).filter(
    (header) => !names.has(header.Name.toLowerCase()),
  );
  return {
    ...email,
    Headers: [...kept, ...Object.entries(values).map(([Name, Value]) => ({ Name, Value }))],
  };
}

function malformed(body: unknown): AppError {
  try {
    parsePostmarkInbound(webhookRequest(body), config);
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('MALFORMED_PAYLOAD');
    return error as AppError;
  }
  throw new Error('expected MALFORMED_PAYLOAD');
}

describe('Postmark inbound email', () => {
  it("reads a plain email: Postmark's MessageID as dedupe key, the sender as chat, the text body, the thread facts", () => {
    const event = parseOne();
    expect(event).toEqual({
      type: 'message',
      providerMessageId: '371a9f77-884a-4e78-ac03-26568cf7024b',
      chatId: 'ada@example.net',
      sender: { externalId: 'ada@example.net', displayName: 'Ada Test' },
      sentAt: new Date('2026-01-01T12:00:04Z'),
      kind: 'text',
      text: 'Hi,\n\nHas order #1042 shipped yet?\n\nThanks,\nAda',
      parts: [
        { type: 'text', text: 'Hi,\n\nHas order #1042 shipped yet?\n\nThanks,\nAda' },
        {
          type: 'thread',
          subject: 'Question about my order #1042',
          messageId: '<CAFAKE0001@mail.example.net>',
        },
      ],
      // The recording's Received-SPF passed for the From domain.
      senderVerified: true,
    });
    expect(event.threadReferences).toBeUndefined();
  });

  it('uses the stripped reply as the text, and lists the references In-Reply-To first, then newest to oldest', () => {
    const event = parseOne(fixtureRequest('inbound_reply_stripped'));
    expect(event.text).toBe('Great, thank you!');
    expect(event.threadReferences).toEqual(['<out-0001@pm.example.com>', '<CAFAKE0001@mail.example.net>']);
    expect(event.parts).toContainEqual({
      type: 'thread',
      subject: 'Re: Question about my order #1042',
      messageId: '<CAFAKE0002@mail.example.net>',
    });
  });

  it('keeps an attachment as a media reference with its size, never its bytes', () => {
    const event = parseOne(fixtureRequest('inbound_with_attachment'));
    expect(event.kind).toBe('media');
    expect(event.text).toBe('Attached is the filled return form.');
    expect(event.parts).toContainEqual({
      type: 'media',
      mediaType: 'document',
      providerFileId: 'b5171aac-495d-44a3-abe4-b58cf22398b5/attachments/0',
      mimeType: 'text/csv',
      fileName: 'return-form.csv',
      sizeBytes: 51,
    });
    expect(JSON.stringify(event)).not.toContain('b3JkZXIs');
  });

  it('types attachments by content type and leaves out one that is not shaped like an attachment', () => {
    const media = parseOne(fixtureRequest('inbound_mixed_attachments')).parts.filter(
      (part) => part.type === 'media',
    );
    expect(media).toEqual([
      expect.objectContaining({
        mediaType: 'image',
        fileName: 'damage.png',
        mimeType: 'image/png',
        sizeBytes: 64,
      }),
      expect.objectContaining({
        mediaType: 'document',
        fileName: 'invoice.pdf',
        providerFileId: 'c3d2e1f0-1234-4abc-9def-0123456789ab/attachments/2',
      }),
    ]);
  });

  it('flags an attachment over the size limit as too large, and measures the content rather than trusting ContentLength', () => {
    const email = loadFixture('inbound_with_attachment');
    const oversize = Buffer.alloc(MAX_ATTACHMENT_BYTES + 1).toString('base64');
    email.Attachments = [
      { Name: 'scan.tiff', Content: oversize, ContentType: 'image/tiff', ContentLength: 12, ContentID: '' },
      {
        Name: 'small.txt',
        Content: 'aGk=',
        ContentType: 'text/plain',
        ContentLength: 999_999_999,
        ContentID: '',
      },
    ];
    const [large, small] = parseOne(webhookRequest(email)).parts.filter((part) => part.type === 'media');
    expect(large).toMatchObject({
      fileName: 'scan.tiff',
      sizeBytes: MAX_ATTACHMENT_BYTES + 1,
      tooLarge: true,
    });
    expect(small).toMatchObject({ fileName: 'small.txt', sizeBytes: 2 });
    expect(small).not.toHaveProperty('tooLarge');
  });

  it('reads an HTML-only email as text: no tags, styles or scripts, entities decoded, address lowercased', () => {
    const event = parseOne(fixtureRequest('inbound_html_only'));
    expect(event.chatId).toBe('bea.beispiel@example.net');
    expect(event.text).toBe('Hallo,\nhabt ihr am Samstag geöffnet? Tom & Jerry – 😀');
  });

  it('takes the subject as the text of an email with an empty body', () => {
    const email = {
      ...loadFixture('inbound_plain'),
      TextBody: '',
      HtmlBody: null,
      Subject: 'Please call me back',
    };
    expect(parseOne(webhookRequest(email)).text).toBe('Please call me back');
  });

  it('falls back to From when FromFull is missing, and to the current time for an unreadable Date', () => {
    const email = {
      ...loadFixture('inbound_plain'),
      FromFull: undefined,
      From: 'Ada@Example.net',
      Date: 'someday',
    };
    const before = Date.now();
    const event = parseOne(webhookRequest(email));
    expect(event.chatId).toBe('ada@example.net');
    expect(event.sentAt.getTime()).toBeGreaterThanOrEqual(before);
  });

  it('drops NUL characters, which PostgreSQL refuses in text', () => {
    const email = { ...loadFixture('inbound_plain'), TextBody: 'a\u0000b' };
    expect(parseOne(webhookRequest(email)).text).toBe('ab');
  });

  it.each([
    ['an automatic reply (Auto-Submitted)', 'inbound_auto_reply', {}],
    ['mail Postmark marks as spam', 'inbound_plain', { 'X-Spam-Status': 'Yes, score=7.1' }],
    ['a bulk mailing', 'inbound_plain', { Precedence: 'bulk' }],
  ])('answers nothing to %s', (_name, fixture, extraHeaders) => {
    const email = withHeaders(loadFixture(fixture), extraHeaders);
    expect(parsePostmarkInbound(webhookRequest(email), config)).toEqual([]);
  });

  it('still answers a person who says Auto-Submitted: no', () => {
    const email = withHeaders(loadFixture('inbound_plain'), { 'auto-submitted': 'no' });
    expect(parsePostmarkInbound(webhookRequest(email), config)).toHaveLength(1);
  });

  it('ignores our own replies coming back, so the gateway never answers itself', () => {
    const email = {
      ...loadFixture('inbound_plain'),
      FromFull: { Email: 'support@example.com', Name: 'Support' },
    };
    expect(parsePostmarkInbound(webhookRequest(email), config)).toEqual([]);
  });

  it('accepts a bare In-Reply-To id without angle brackets', () => {
    const email = withHeaders(loadFixture('inbound_plain'), { 'In-Reply-To': 'abc@mtasv.net' });
    expect(parseOne(webhookRequest(email)).threadReferences).toEqual(['<abc@mtasv.net>']);
  });

  it.each([
    ['a body that is not JSON', '{"MessageID":', 'body is not valid JSON'],
    ['a JSON array', '[]', 'body is not a JSON object'],
    ['a payload without MessageID', { From: 'ada@example.net' }, 'MessageID is missing'],
    ['an empty MessageID', { ...loadFixture('inbound_plain'), MessageID: '' }, 'MessageID'],
    ['Headers that are not a list', { ...loadFixture('inbound_plain'), Headers: 'Message-ID: x' }, 'Headers'],
    [
      'no sender at all',
      { ...loadFixture('inbound_plain'), FromFull: null, From: '' },
      'FromFull.Email is missing',
    ],
    [
      'a sender that is not an address',
      { ...loadFixture('inbound_plain'), FromFull: { Email: 'ada' } },
      'not an email address',
    ],
  ])('rejects %s with a message naming the problem', (_name, body, expected) => {
    expect(malformed(body).message).toContain(expected);
  });
});
