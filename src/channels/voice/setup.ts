import type { ConnectionCheck } from '../../core/connector.ts';
import { AppError } from '../../core/errors.ts';
import { connectTwilio } from '../sms/client.ts';
import { readSmsAccount } from '../sms/config.ts';
import { checkSmsConnection } from '../sms/setup.ts';
import type { SendContext } from '../types.ts';
import { readVoiceSettings } from './config.ts';

/**
 * Fetches the account (the SMS connector's check) and looks the voice number up among its
 * phone numbers. A configuration without credentials of its own uses the SMS connector's
 * at call time; its own test checks those, so this one says so instead of passing.
 */
export async function checkVoiceConnection(context: SendContext): Promise<ConnectionCheck> {
  try {
    const settings = readVoiceSettings(context.config);
    if (!context.config.account_sid || !context.config.auth_token) {
      return {
        ok: false,
        detail:
          "no account of its own: calls are verified with the SMS connector's account, which its test checks",
      };
    }
    // The SMS account shape with the voice number as its number: the same checks apply.
    const config = { ...context.config, sms_number: settings.voiceNumber };
    const account = await checkSmsConnection({ config, environment: context.environment });
    if (!account.ok) return account;
    const connection = await connectTwilio(readSmsAccount(config), context.environment);
    const numbers = await connection.client.incomingPhoneNumbers.list({
      phoneNumber: settings.voiceNumber,
      limit: 1,
    });
    if (numbers.length === 0) {
      return { ok: false, detail: `${settings.voiceNumber} is not a phone number of this Twilio account` };
    }
    return {
      ok: true,
      detail: `${account.detail}; ${settings.voiceNumber} answers in ${settings.mode} mode`,
    };
  } catch (error) {
    return {
      ok: false,
      detail: error instanceof AppError ? error.message : 'looking up the voice number failed',
    };
  }
}
