import type { ConnectorDefinition, ConnectorValues } from '../../core/connector.ts';
import { AppError } from '../../core/errors.ts';
import { smsDocsEnglish, smsDocsGerman } from './docs.ts';

/**
 * Twilio SIDs are two letters and 32 hex digits. Checking the shape also keeps a pasted
 * value from changing the request path, because the account SID is part of every API URL.
 */
export const ACCOUNT_SID_PATTERN = /^AC[0-9a-fA-F]{32}$/;
const MESSAGING_SERVICE_SID_PATTERN = /^MG[0-9a-fA-F]{32}$/;

/** Twilio issues 32-character auth tokens; anything else is a copy-and-paste accident. */
export const AUTH_TOKEN_PATTERN = /^[A-Za-z0-9]{32}$/;

/** E.164: a plus, then up to 15 digits without a leading zero. */
export const PHONE_NUMBER_PATTERN = /^\+[1-9]\d{6,14}$/;

/** What the HELP keyword answers when the tenant wrote no help text of its own. */
export const DEFAULT_HELP_TEXT =
  'You are texting our customer service. Reply with your question and we will answer. ' +
  'Reply STOP to unsubscribe, START to subscribe again. Msg & data rates may apply.';

/** The Twilio SMS connector: the fields staff fill in and the setup guide shown beside them. */
export const smsConnector: ConnectorDefinition = {
  id: 'sms',
  name: 'SMS (Twilio)',
  category: 'messaging',
  fields: [
    {
      key: 'account_sid',
      label: 'Account SID',
      required: true,
      secret: false,
      description: 'From the Twilio Console home page: AC followed by 32 characters.',
    },
    {
      key: 'auth_token',
      label: 'Auth token',
      required: true,
      secret: true,
      description: 'The Auth Token beside the Account SID; it also signs every webhook Twilio sends.',
    },
    {
      key: 'sms_number',
      label: 'SMS number',
      required: true,
      secret: false,
      description: 'Your Twilio phone number in E.164 form, e.g. +15550009999.',
    },
    {
      key: 'messaging_service_sid',
      label: 'Messaging Service SID',
      required: false,
      secret: false,
      description: 'Optional, MG followed by 32 characters: replies are then sent through this service.',
    },
    {
      key: 'help_text',
      label: 'HELP answer',
      required: false,
      secret: false,
      description: 'Sent when a customer texts HELP or INFO. A default text is filled in when empty.',
    },
    {
      key: 'advanced_opt_out',
      label: 'Twilio Advanced Opt-Out answers STOP/START/HELP',
      required: false,
      secret: false,
      description:
        '"true" when Advanced Opt-Out is on for the Messaging Service; Switchboard then sends no HELP answer itself.',
    },
  ],
  docs: { en: smsDocsEnglish, de: smsDocsGerman },
};

/**
 * Checks the values staff entered, normalizes `advanced_opt_out` to "true"/"false" and
 * fills in the default HELP answer. Throws AppError('VALIDATION_FAILED') naming the first
 * field that cannot work.
 */
export function prepareSmsConfig(values: ConnectorValues): ConnectorValues {
  const checks: Array<[key: string, pattern: RegExp, problem: string]> = [
    ['account_sid', ACCOUNT_SID_PATTERN, 'account_sid must be AC followed by 32 hex digits'],
    [
      'auth_token',
      AUTH_TOKEN_PATTERN,
      'auth_token must be the 32-character Auth Token from the Twilio Console',
    ],
    ['sms_number', PHONE_NUMBER_PATTERN, 'sms_number must be in E.164 form, e.g. +15550009999'],
    [
      'messaging_service_sid',
      MESSAGING_SERVICE_SID_PATTERN,
      'messaging_service_sid must be MG followed by 32 hex digits',
    ],
  ];
  for (const [key, pattern, problem] of checks) {
    const value = values[key];
    if (value !== undefined && value !== '' && !pattern.test(value)) {
      throw new AppError('VALIDATION_FAILED', problem);
    }
  }
  const flag = values.advanced_opt_out?.trim().toLowerCase();
  if (flag !== undefined && flag !== '' && flag !== 'true' && flag !== 'false') {
    throw new AppError('VALIDATION_FAILED', 'advanced_opt_out must be "true" or "false"');
  }
  return {
    ...values,
    advanced_opt_out: String(readFlag(values.advanced_opt_out)),
    help_text: values.help_text || DEFAULT_HELP_TEXT,
  };
}

/** The credentials and sender of a stored configuration, checked before they reach a URL or a header. */
export interface SmsAccount {
  accountSid: string;
  authToken: string;
  smsNumber: string;
  messagingServiceSid: string | undefined;
}

/**
 * Reads the account from a stored configuration.
 * Throws AppError('VALIDATION_FAILED') when a field is missing or malformed.
 */
export function readSmsAccount(config: ConnectorValues): SmsAccount {
  const accountSid = required(config, 'account_sid', ACCOUNT_SID_PATTERN, 'AC followed by 32 hex digits');
  const authToken = required(config, 'auth_token', AUTH_TOKEN_PATTERN, 'the 32-character Auth Token');
  const smsNumber = required(config, 'sms_number', PHONE_NUMBER_PATTERN, 'in E.164 form, e.g. +15550009999');
  const service = config.messaging_service_sid;
  if (service && !MESSAGING_SERVICE_SID_PATTERN.test(service)) {
    throw new AppError('VALIDATION_FAILED', 'messaging_service_sid must be MG followed by 32 hex digits');
  }
  return { accountSid, authToken, smsNumber, messagingServiceSid: service || undefined };
}

/** Whether Twilio Advanced Opt-Out answers the keywords, so Switchboard must stay silent. */
export function advancedOptOutEnabled(config: ConnectorValues): boolean {
  return readFlag(config.advanced_opt_out);
}

/** The tenant's HELP answer, or the default one. */
export function helpText(config: ConnectorValues): string {
  return config.help_text?.trim() || DEFAULT_HELP_TEXT;
}

function required(config: ConnectorValues, key: string, pattern: RegExp, shape: string): string {
  const value = config[key];
  if (value === undefined || value === '') throw new AppError('VALIDATION_FAILED', `${key} is not set`);
  if (!pattern.test(value)) throw new AppError('VALIDATION_FAILED', `${key} must be ${shape}`);
  return value;
}

/** Connector values are strings; "true" (any case) switches a flag on, anything else leaves it off. */
function readFlag(value: string | undefined): boolean {
  return value?.trim().toLowerCase() === 'true';
}
