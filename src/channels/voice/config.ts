import type { ConnectorDefinition, ConnectorValues } from '../../core/connector.ts';
import { AppError } from '../../core/errors.ts';
import { ACCOUNT_SID_PATTERN, AUTH_TOKEN_PATTERN, PHONE_NUMBER_PATTERN } from '../sms/config.ts';
import { voiceDocsEnglish, voiceDocsGerman } from './docs.ts';

/** How a call is answered: Twilio speaks and listens for a text agent, or audio goes to a realtime model. */
export const voiceModes = ['conversation_relay', 'media_stream'] as const;
export type VoiceMode = (typeof voiceModes)[number];

/** A BCP 47 tag as ConversationRelay takes it (`en-US`, `de-DE`). */
const LANGUAGE_PATTERN = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;
/** Voice names are provider words (`en-US-Journey-O`, `marin`); anything with quotes or spaces is a mistake. */
const VOICE_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
/** The greeting is spoken at the start of every call; a paragraph is plenty. */
const MAX_GREETING_LENGTH = 500;

/** The Twilio voice connector: the fields staff fill in and the setup guide shown beside them. */
export const voiceConnector: ConnectorDefinition = {
  id: 'voice',
  name: 'Voice (Twilio)',
  category: 'voice',
  fields: [
    {
      key: 'account_sid',
      label: 'Account SID',
      required: false,
      secret: false,
      description: "AC followed by 32 characters. Leave empty to use the SMS connector's account.",
    },
    {
      key: 'auth_token',
      label: 'Auth token',
      required: false,
      secret: true,
      description: "Signs every call webhook. Leave empty to use the SMS connector's token.",
    },
    {
      key: 'voice_number',
      label: 'Voice number',
      required: true,
      secret: false,
      description: 'The Twilio number callers dial, in E.164 form, e.g. +15550009999.',
    },
    {
      key: 'mode',
      label: 'Mode',
      required: false,
      secret: false,
      description:
        '"conversation_relay" (default: Twilio does speech, the text agent answers) or "media_stream" (audio to a realtime speech model).',
    },
    {
      key: 'language',
      label: 'Language',
      required: false,
      secret: false,
      description: 'Speech language, e.g. en-US or de-DE (default en-US).',
    },
    {
      key: 'voice',
      label: 'Voice',
      required: false,
      secret: false,
      description: "The text-to-speech voice (ConversationRelay) or the realtime model's voice, e.g. marin.",
    },
    {
      key: 'greeting',
      label: 'Greeting',
      required: false,
      secret: false,
      description: 'Said when the call is answered.',
    },
    {
      key: 'staff_number',
      label: 'Staff number',
      required: false,
      secret: false,
      description: 'Where a caller who asks for a person is transferred, in E.164 form.',
    },
  ],
  docs: { en: voiceDocsEnglish, de: voiceDocsGerman },
};

/** A voice configuration read and checked, with the defaults filled in. */
export interface VoiceSettings {
  voiceNumber: string;
  mode: VoiceMode;
  language: string;
  voice: string | undefined;
  greeting: string | undefined;
  staffNumber: string | undefined;
}

/** The Twilio account a call is verified with: the voice connector's own, or the SMS connector's. */
export interface TwilioCredentials {
  accountSid: string;
  authToken: string;
}

const checks: Array<[key: string, valid: (value: string) => boolean, problem: string]> = [
  [
    'account_sid',
    (value) => ACCOUNT_SID_PATTERN.test(value),
    'account_sid must be AC followed by 32 hex digits',
  ],
  [
    'auth_token',
    (value) => AUTH_TOKEN_PATTERN.test(value),
    'auth_token must be the 32-character Auth Token from the Twilio Console',
  ],
  [
    'voice_number',
    (value) => PHONE_NUMBER_PATTERN.test(value),
    'voice_number must be in E.164 form, e.g. +15550009999',
  ],
  [
    'staff_number',
    (value) => PHONE_NUMBER_PATTERN.test(value),
    'staff_number must be in E.164 form, e.g. +15550009999',
  ],
  [
    'mode',
    (value) => (voiceModes as readonly string[]).includes(value),
    `mode must be one of ${voiceModes.join(', ')}`,
  ],
  [
    'language',
    (value) => LANGUAGE_PATTERN.test(value),
    'language must be a language tag such as en-US or de-DE',
  ],
  [
    'voice',
    (value) => VOICE_PATTERN.test(value),
    'voice must be a voice name of letters, digits, dots, dashes or underscores',
  ],
  [
    'greeting',
    (value) => value.length <= MAX_GREETING_LENGTH,
    `greeting must be at most ${MAX_GREETING_LENGTH} characters`,
  ],
];

/**
 * Checks the values staff entered and fills in the defaults (mode `conversation_relay`,
 * language `en-US`). The account SID and auth token go together: both or neither. Throws
 * AppError('VALIDATION_FAILED') naming the first field that cannot work.
 */
export function prepareVoiceConfig(values: ConnectorValues): ConnectorValues {
  const trimmed = Object.fromEntries(Object.entries(values).map(([key, value]) => [key, value.trim()]));
  if (!trimmed.voice_number) throw new AppError('VALIDATION_FAILED', 'voice_number is not set');
  for (const [key, valid, problem] of checks) {
    const value = trimmed[key];
    if (value !== undefined && value !== '' && !valid(value))
      throw new AppError('VALIDATION_FAILED', problem);
  }
  if (Boolean(trimmed.account_sid) !== Boolean(trimmed.auth_token)) {
    throw new AppError(
      'VALIDATION_FAILED',
      "account_sid and auth_token go together: fill in both, or leave both empty to use the SMS connector's",
    );
  }
  return { ...trimmed, mode: trimmed.mode || 'conversation_relay', language: trimmed.language || 'en-US' };
}

/** The settings of a stored voice configuration. */
export function readVoiceSettings(config: ConnectorValues): VoiceSettings {
  const prepared = prepareVoiceConfig(config);
  return {
    voiceNumber: prepared.voice_number!,
    mode: prepared.mode as VoiceMode,
    language: prepared.language!,
    voice: prepared.voice || undefined,
    greeting: prepared.greeting || undefined,
    staffNumber: prepared.staff_number || undefined,
  };
}

/**
 * The account that signs this tenant's calls: the voice connector's own credentials, or,
 * when they are left empty, the SMS connector's. Undefined when neither has any: then no
 * call can be verified and every one is refused.
 */
export function twilioCredentials(
  voice: ConnectorValues,
  sms: ConnectorValues | undefined,
): TwilioCredentials | undefined {
  for (const source of [voice, sms]) {
    if (source?.account_sid && source.auth_token) {
      return { accountSid: source.account_sid, authToken: source.auth_token };
    }
  }
  return undefined;
}
