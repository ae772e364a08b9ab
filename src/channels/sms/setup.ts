import type { ConnectionCheck } from '../../core/connector.ts';
import { AppError } from '../../core/errors.ts';
import type { SendContext, SetupContext, SetupResult } from '../types.ts';
import { connectTwilio, type TwilioConnection } from './client.ts';
import { readSmsAccount, type SmsAccount } from './config.ts';
import { toTwilioError } from './errors.ts';

/**
 * Checks the credentials, finds `sms_number` among the account's phone numbers and, when no
 * Messaging Service decides where incoming messages go, points the number's SMS webhook at
 * this tenant's webhook URL. Returns what send and teardown need later: the status callback
 * URL (send has no tenant slug to build it from), the webhook URL and the number's SID.
 * Throws AppError: VALIDATION_FAILED for missing settings or a number the account does not
 * own, PROVIDER_REJECTED when Twilio refuses (wrong credentials answer 401),
 * PROVIDER_UNAVAILABLE or NETWORK_ERROR when it cannot be asked. Messages name the step
 * that failed and never contain the auth token.
 */
export async function setupSmsWebhook(context: SetupContext): Promise<SetupResult> {
  const account = readSmsAccount(context.config);
  const connection = await connectTwilio(account, context.environment);
  await step(connection, account, 'checking the account', () =>
    connection.client.api.v2010.accounts(account.accountSid).fetch(),
  );
  const numbers = await step(connection, account, 'looking up the SMS number', () =>
    connection.client.incomingPhoneNumbers.list({ phoneNumber: account.smsNumber, limit: 1 }),
  );
  const number = numbers[0];
  if (number === undefined) {
    throw new AppError(
      'VALIDATION_FAILED',
      `${account.smsNumber} is not a phone number of Twilio account ${account.accountSid}`,
    );
  }
  if (account.messagingServiceSid === undefined) {
    await step(connection, account, 'registering the webhook on the number', () =>
      connection.client
        .incomingPhoneNumbers(number.sid)
        .update({ smsUrl: context.webhookUrl, smsMethod: 'POST' }),
    );
  }
  return {
    values: {
      webhook_url: context.webhookUrl,
      status_callback_url: `${context.webhookUrl}/status`,
      phone_number_sid: number.sid,
    },
  };
}

/**
 * Unregisters the webhook setup put on the number, so Twilio stops posting messages for a
 * configuration that is gone. A webhook someone changed since (it no longer points here)
 * and numbers behind a Messaging Service are left alone.
 */
export async function teardownSmsWebhook(context: SendContext): Promise<void> {
  const account = readSmsAccount(context.config);
  const { phone_number_sid: numberSid, webhook_url: webhookUrl } = context.config;
  if (account.messagingServiceSid !== undefined || !numberSid || !webhookUrl) return;
  const connection = await connectTwilio(account, context.environment);
  const number = await step(connection, account, 'reading the number', () =>
    connection.client.incomingPhoneNumbers(numberSid).fetch(),
  );
  if (number.smsUrl !== webhookUrl) return;
  await step(connection, account, 'removing the webhook from the number', () =>
    connection.client.incomingPhoneNumbers(numberSid).update({ smsUrl: '' }),
  );
}

/** Fetches the account, Twilio's cheapest identity call; `detail` is its name and status. */
export async function checkSmsConnection(context: SendContext): Promise<ConnectionCheck> {
  try {
    const account = readSmsAccount(context.config);
    const connection = await connectTwilio(account, context.environment);
    const found = await step(connection, account, 'checking the account', () =>
      connection.client.api.v2010.accounts(account.accountSid).fetch(),
    );
    if (found.status !== 'active') {
      return { ok: false, detail: `the Twilio account "${found.friendlyName}" is ${found.status}` };
    }
    return { ok: true, detail: `${found.friendlyName} (${found.status})` };
  } catch (error) {
    return {
      ok: false,
      detail: error instanceof AppError ? error.message : 'checking the account failed unexpectedly',
    };
  }
}

/** Runs one API call; a failure becomes the catalogue error, naming the step that failed. */
async function step<T>(
  connection: TwilioConnection,
  account: SmsAccount,
  name: string,
  call: () => Promise<T>,
): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toTwilioError(error, name, {
      authToken: account.authToken,
      retryAfterMs: connection.retryAfterMs(),
    });
  }
}
