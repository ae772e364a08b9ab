import { describe, expect, it } from 'vitest';
import { parseSmsWebhook } from '../../../src/channels/sms/parse.ts';
import type { AppError } from '../../../src/core/errors.ts';
import { fixtureBody, formRequest, signedFixtureRequest } from './fixtures.ts';

const inboundUrl = 'https://gateway.example.com/webhook/sms/acme';
const statusUrl = `${inboundUrl}/status`;
const messageSid = 'SM0123456789abcdef0123456789abcdef';

/** An inbound webhook like the fixtures, with `fields` replacing or adding parameters. */
function inbound(fields: Record<string, string>, url = inboundUrl) {
  const form = new URLSearchParams(fixtureBody('inbound_text'));
  for (const [name, value] of Object.entries(fields)) form.set(name, value);
  return formRequest(form.toString(), url);
}

function status(fields: Record<string, string>) {
  const form = new URLSearchParams(fixtureBody('status_callback_delivered'));
  for (const [name, value] of Object.entries(fields)) form.set(name, value);
  return formRequest(form.toString(), statusUrl);
}

function malformed(parse: () => unknown): AppError {
  try {
    parse();
  } catch (error) {
    expect(error).toMatchObject({ code: 'MALFORMED_PAYLOAD', status: 400 });
    return error as AppError;
  }
  throw new Error('expected MALFORMED_PAYLOAD');
}

describe('parsing incoming messages', () => {
  it('reads a text message: MessageSid as dedupe key, replies to the sender', () => {
    const [event, ...rest] = parseSmsWebhook(signedFixtureRequest('inbound_text'));
    expect(rest).toEqual([]);
    expect(event).toEqual({
      type: 'message',
      providerMessageId: 'SM00000000000000000000000000000001',
      chatId: '+15550000001',
      sender: { externalId: '+15550000001' },
      sentAt: expect.any(Date),
      kind: 'text',
      text: 'Hi, what are your hours today?',
      parts: [{ type: 'text', text: 'Hi, what are your hours today?' }],
    });
  });

  it('keeps MMS media as references to Twilio media URLs, with the text beside them', () => {
    const [event] = parseSmsWebhook(signedFixtureRequest('inbound_mms'));
    expect(event).toMatchObject({
      type: 'message',
      providerMessageId: 'MM00000000000000000000000000000002',
      kind: 'media',
      text: 'Here is the damaged box',
      parts: [
        { type: 'text', text: 'Here is the damaged box' },
        {
          type: 'media',
          mediaType: 'image',
          mimeType: 'image/jpeg',
          providerFileId:
            'https://api.twilio.com/2010-04-01/Accounts/AC00000000000000000000000000000001/Messages/MM00000000000000000000000000000002/Media/ME00000000000000000000000000000021',
        },
      ],
    });
  });

  it('reads several media of different types, and media without text', () => {
    const [event] = parseSmsWebhook(
      inbound({
        Body: '',
        NumMedia: '3',
        MediaUrl0: 'https://api.twilio.com/media/0',
        MediaContentType0: 'audio/amr',
        MediaUrl1: 'https://api.twilio.com/media/1',
        MediaContentType1: 'video/mp4',
        MediaUrl2: 'https://api.twilio.com/media/2',
        MediaContentType2: 'text/vcard',
      }),
    );
    expect(event).toMatchObject({ kind: 'media', text: undefined });
    expect(
      event?.type === 'message' && event.parts.map((part) => part.type === 'media' && part.mediaType),
    ).toEqual(['audio', 'video', 'document']);
  });

  it('marks a message with neither text nor media as unsupported, so it is stored but not answered as text', () => {
    const [event] = parseSmsWebhook(inbound({ Body: '' }));
    expect(event).toMatchObject({ kind: 'unsupported', parts: [] });
  });

  it('drops NUL characters, which PostgreSQL refuses in text', () => {
    const [event] = parseSmsWebhook(inbound({ Body: 'a\u0000b' }));
    expect(event).toMatchObject({ text: 'ab' });
  });

  it('treats a tenant whose slug is "status" like any other on the inbound route', () => {
    const [event] = parseSmsWebhook(inbound({}, 'https://gateway.example.com/webhook/sms/status'));
    expect(event?.type).toBe('message');
  });
});

describe('opt-out keywords', () => {
  it('stores the STOP message and opts the sender out (the fixture carries OptOutType=STOP)', () => {
    const events = parseSmsWebhook(signedFixtureRequest('inbound_stop_optout'));
    expect(events).toEqual([
      expect.objectContaining({ type: 'message', text: 'STOP', chatId: '+15550000002' }),
      {
        type: 'subscription',
        sender: { externalId: '+15550000002' },
        subscribed: false,
        at: expect.any(Date),
      },
    ]);
  });

  it.each(['STOP', 'stop', ' Stop ', 'STOPALL', 'unsubscribe', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT'])(
    'opts out on %j alone, without OptOutType',
    (body) => {
      const events = parseSmsWebhook(inbound({ Body: body }));
      expect(events[1]).toMatchObject({ type: 'subscription', subscribed: false });
    },
  );

  it.each(['START', 'yes', 'Unstop'])('opts back in on %j', (body) => {
    const events = parseSmsWebhook(inbound({ Body: body }));
    expect(events[1]).toMatchObject({ type: 'subscription', subscribed: true });
  });

  it.each(['stop it', 'Please stop', 'STOP!', 'HELP', 'yes please'])('changes nothing for %j', (body) => {
    expect(parseSmsWebhook(inbound({ Body: body }))).toHaveLength(1);
  });

  it("trusts Advanced Opt-Out's OptOutType over the text, for custom keywords", () => {
    expect(parseSmsWebhook(inbound({ Body: 'ARRET', OptOutType: 'STOP' }))[1]).toMatchObject({
      subscribed: false,
    });
    expect(parseSmsWebhook(inbound({ Body: 'NOCHMAL', OptOutType: 'START' }))[1]).toMatchObject({
      subscribed: true,
    });
    expect(parseSmsWebhook(inbound({ Body: 'STOP', OptOutType: 'HELP' }))).toHaveLength(1);
  });
});

describe('parsing status callbacks', () => {
  it('reads the delivered fixture on the /status route', () => {
    const request = formRequest(fixtureBody('status_callback_delivered'), statusUrl);
    expect(parseSmsWebhook(request)).toEqual([
      {
        type: 'status',
        providerMessageId: 'SM00000000000000000000000000000090',
        status: 'delivered',
        at: expect.any(Date),
      },
    ]);
  });

  it.each([
    ['sent', 'sent'],
    ['read', 'read'],
    ['canceled', 'failed'],
  ])('maps %s to %s', (twilioStatus, expected) => {
    expect(parseSmsWebhook(status({ MessageStatus: twilioStatus }))[0]).toMatchObject({ status: expected });
  });

  it.each(['queued', 'accepted', 'sending', 'scheduled'])(
    'ignores %s, which says nothing about delivery',
    (twilioStatus) => {
      expect(parseSmsWebhook(status({ MessageStatus: twilioStatus }))).toEqual([]);
    },
  );

  it('reports failed and undelivered with the error code and its meaning', () => {
    expect(parseSmsWebhook(status({ MessageStatus: 'undelivered', ErrorCode: '30003' }))).toEqual([
      expect.objectContaining({
        status: 'failed',
        error: 'Twilio reported the message undelivered: error 30003 (unreachable destination handset)',
      }),
    ]);
    expect(parseSmsWebhook(status({ MessageStatus: 'failed', ErrorCode: '39999' }))[0]).toMatchObject({
      error: 'Twilio reported the message failed: error 39999',
    });
    expect(parseSmsWebhook(status({ MessageStatus: 'failed' }))[0]).toMatchObject({
      error: 'Twilio reported the message failed',
    });
  });

  it('opts the recipient out when Twilio reports 21610 (unsubscribed recipient)', () => {
    const events = parseSmsWebhook(
      status({ MessageStatus: 'failed', ErrorCode: '21610', To: '+15550000007' }),
    );
    expect(events[1]).toEqual({
      type: 'subscription',
      sender: { externalId: '+15550000007' },
      subscribed: false,
      at: expect.any(Date),
    });
  });
});

describe('malformed webhooks', () => {
  it('names a missing MessageSid', () => {
    const form = new URLSearchParams(fixtureBody('inbound_text'));
    form.delete('MessageSid');
    const error = malformed(() => parseSmsWebhook(formRequest(form.toString(), inboundUrl)));
    expect(error.message).toMatch(/^not a Twilio incoming message: MessageSid: /);
  });

  it('rejects a MessageSid that is not a message SID, or that was sent twice', () => {
    expect(malformed(() => parseSmsWebhook(inbound({ MessageSid: 'CA123' }))).message).toMatch(
      /MessageSid: is not a Twilio message SID/,
    );
    const twice = `${fixtureBody('inbound_text')}&MessageSid=${messageSid}`;
    expect(malformed(() => parseSmsWebhook(formRequest(twice, inboundUrl))).message).toMatch(/MessageSid/);
  });

  it('rejects a body that is not a form at all', () => {
    malformed(() => parseSmsWebhook(formRequest('', inboundUrl)));
    malformed(() => parseSmsWebhook(formRequest('{"MessageSid":"SM1"}', inboundUrl)));
  });

  it('rejects media that NumMedia announces but the body lacks', () => {
    const error = malformed(() =>
      parseSmsWebhook(inbound({ NumMedia: '2', MediaUrl0: 'https://api.twilio.com/media/0' })),
    );
    expect(error.message).toBe('MediaUrl1 is missing or not a URL, but NumMedia is 2');
    expect(malformed(() => parseSmsWebhook(inbound({ NumMedia: '11' }))).message).toMatch(/at most 10/);
    expect(malformed(() => parseSmsWebhook(inbound({ NumMedia: 'two' }))).message).toMatch(/NumMedia/);
  });

  it('rejects a status callback without MessageStatus, or with a bad ErrorCode', () => {
    const form = new URLSearchParams(fixtureBody('status_callback_delivered'));
    form.delete('MessageStatus');
    expect(malformed(() => parseSmsWebhook(formRequest(form.toString(), statusUrl))).message).toMatch(
      /^not a Twilio status callback: MessageStatus/,
    );
    malformed(() => parseSmsWebhook(status({ ErrorCode: 'oops' })));
  });
});
