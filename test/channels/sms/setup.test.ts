import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkSmsConnection, setupSmsWebhook, teardownSmsWebhook } from '../../../src/channels/sms/setup.ts';
import type { SetupContext } from '../../../src/channels/types.ts';
import {
  FAKE_AUTH_TOKEN,
  FAKE_MESSAGING_SERVICE_SID,
  type FakeTwilio,
  startFakeTwilio,
} from '../../fakes/twilio-api.ts';
import { environmentFor, smsConfig } from './fixtures.ts';

const webhookUrl = 'https://gateway.example.com/webhook/sms/acme';
const wrongToken = 'ffffffffffffffffffffffffffffffff';
let fake: FakeTwilio;
let context: SetupContext;

beforeEach(async () => {
  fake = await startFakeTwilio();
  context = {
    config: smsConfig(),
    environment: environmentFor(fake.baseUrl),
    tenantSlug: 'acme',
    webhookUrl,
  };
});

afterEach(async () => {
  await fake.close();
});

async function rejectionOf(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}

describe('setup', () => {
  it("points the number's SMS webhook here and stores what send and teardown need", async () => {
    const result = await setupSmsWebhook(context);
    const [number] = fake.numbers();
    expect(number).toMatchObject({ smsUrl: webhookUrl, smsMethod: 'POST' });
    expect(result.values).toEqual({
      webhook_url: webhookUrl,
      status_callback_url: `${webhookUrl}/status`,
      phone_number_sid: number!.sid,
    });
  });

  it('leaves the number alone when a Messaging Service decides where messages go', async () => {
    context.config = smsConfig({ messaging_service_sid: FAKE_MESSAGING_SERVICE_SID });
    const result = await setupSmsWebhook(context);
    expect(fake.numbers()[0]?.smsUrl).toBe('');
    expect(fake.calls.filter((call) => call.method === 'POST')).toHaveLength(0);
    expect(result.values.status_callback_url).toBe(`${webhookUrl}/status`);
  });

  it('refuses a number the account does not own', async () => {
    context.config = smsConfig({ sms_number: '+15550001111' });
    const error = await rejectionOf(setupSmsWebhook(context));
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(error.message).toBe(
      '+15550001111 is not a phone number of Twilio account AC00000000000000000000000000000001',
    );
  });

  it('names the failing step for wrong credentials, without the token', async () => {
    context.config = smsConfig({ auth_token: wrongToken });
    const error = await rejectionOf(setupSmsWebhook(context));
    expect(error).toMatchObject({ code: 'PROVIDER_REJECTED' });
    expect(error.message).toMatch(
      /^Twilio does not accept the Account SID and Auth Token for checking the account/,
    );
    expect(error.message).not.toContain(wrongToken);
  });

  it('reports an outage as retryable', async () => {
    fake.fail('numbers', [{ status: 503 }]);
    expect(await rejectionOf(setupSmsWebhook(context))).toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });
  });
});

describe('teardown', () => {
  it('removes the webhook setup registered', async () => {
    const { values } = await setupSmsWebhook(context);
    await teardownSmsWebhook({ config: { ...context.config, ...values }, environment: context.environment });
    expect(fake.numbers()[0]?.smsUrl).toBe('');
  });

  it('leaves a webhook someone pointed elsewhere since', async () => {
    const { values } = await setupSmsWebhook(context);
    await setupSmsWebhook({ ...context, webhookUrl: 'https://elsewhere.example.com/sms' });
    await teardownSmsWebhook({ config: { ...context.config, ...values }, environment: context.environment });
    expect(fake.numbers()[0]?.smsUrl).toBe('https://elsewhere.example.com/sms');
  });

  it('does nothing without a registration to undo', async () => {
    await teardownSmsWebhook({ config: smsConfig(), environment: context.environment });
    expect(fake.calls).toHaveLength(0);
  });
});

describe('connection test', () => {
  it('fetches the account and shows its name and status, never the token Twilio returns with it', async () => {
    const check = await checkSmsConnection(context);
    expect(check).toEqual({ ok: true, detail: 'Switchboard test account (active)' });
    expect(fake.calls.map((call) => `${call.method} ${call.path}`)).toEqual([
      'GET /Accounts/AC00000000000000000000000000000001.json',
    ]);
    expect(check.detail).not.toContain(FAKE_AUTH_TOKEN);
  });

  it('fails for a suspended account', async () => {
    fake.setAccountStatus('suspended');
    expect(await checkSmsConnection(context)).toEqual({
      ok: false,
      detail: 'the Twilio account "Switchboard test account" is suspended',
    });
  });

  it('fails with a reason for wrong credentials, an unreachable Twilio or a missing field', async () => {
    const wrong = await checkSmsConnection({ ...context, config: smsConfig({ auth_token: wrongToken }) });
    expect(wrong).toMatchObject({ ok: false, detail: expect.stringMatching(/does not accept/) });
    expect(wrong.detail).not.toContain(wrongToken);
    const closed = await startFakeTwilio();
    await closed.close();
    const unreachable = await checkSmsConnection({ ...context, environment: environmentFor(closed.baseUrl) });
    expect(unreachable).toMatchObject({ ok: false, detail: expect.stringMatching(/could not reach Twilio/) });
    expect(await checkSmsConnection({ ...context, config: {} })).toEqual({
      ok: false,
      detail: 'account_sid is not set',
    });
  });
});
