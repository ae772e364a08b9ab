import { randomBytes } from 'node:crypto';
import type { ConnectorField, ConnectorValues } from '../../core/connector.ts';
import { AppError } from '../../core/errors.ts';

/** Graph object ids (phone numbers, pages, Instagram accounts) are decimal; checking keeps them safe in a URL path. */
const GRAPH_ID_PATTERN = /^\d{1,32}$/;

/**
 * Access tokens, app secrets and verify tokens: visible ASCII without spaces. A token goes
 * into the Authorization header, where a line break would make every call fail.
 */
const OPAQUE_VALUE_PATTERN = /^[\x21-\x7e]{1,4096}$/;

/** The webhook verify token staff paste into Meta's dashboard: visible ASCII, as Meta echoes it in a URL. */
const VERIFY_TOKEN_PATTERN = /^[\x21-\x7e]{1,256}$/;

/** The `verify_token` field every Meta channel shares; generated when left empty. */
export const verifyTokenField: ConnectorField = {
  key: 'verify_token',
  label: 'Verify token',
  required: false,
  secret: false,
  description:
    'Generated when left empty. Paste it into the Verify token box of the Meta app webhook settings.',
};

/** The `app_secret` field every Meta channel shares; without it no webhook is accepted. */
export const appSecretField: ConnectorField = {
  key: 'app_secret',
  label: 'App secret',
  required: false,
  secret: true,
  description:
    'The Meta app secret (App settings → Basic). Without it every webhook is refused, because its signature cannot be checked.',
};

/**
 * Checks the shapes of a Meta channel's values (ids decimal, secrets without spaces) and
 * fills in a verify token when none was given. Throws AppError('VALIDATION_FAILED') naming
 * the first field that cannot work.
 */
export function prepareMetaConfig(
  values: ConnectorValues,
  fields: { ids: string[]; secrets: string[] },
): ConnectorValues {
  for (const key of fields.ids) {
    const value = values[key];
    if (value !== undefined && value !== '' && !GRAPH_ID_PATTERN.test(value)) {
      throw new AppError(
        'VALIDATION_FAILED',
        `${key} must be the numeric id Meta shows, e.g. 100000000000001`,
      );
    }
  }
  for (const key of [...fields.secrets, 'app_secret']) {
    const value = values[key];
    if (value !== undefined && value !== '' && !OPAQUE_VALUE_PATTERN.test(value)) {
      throw new AppError('VALIDATION_FAILED', `${key} must be copied without spaces or line breaks`);
    }
  }
  const verifyToken = values.verify_token;
  if (verifyToken !== undefined && verifyToken !== '') {
    if (!VERIFY_TOKEN_PATTERN.test(verifyToken)) {
      throw new AppError('VALIDATION_FAILED', 'verify_token must be 1–256 visible characters without spaces');
    }
    return values;
  }
  return { ...values, verify_token: randomBytes(24).toString('base64url') };
}

/** A Graph id from a stored configuration. Throws AppError('VALIDATION_FAILED') when missing or malformed. */
export function readGraphId(config: ConnectorValues, key: string): string {
  const value = config[key];
  if (value === undefined || value === '') throw new AppError('VALIDATION_FAILED', `${key} is not set`);
  if (!GRAPH_ID_PATTERN.test(value)) {
    throw new AppError('VALIDATION_FAILED', `${key} must be the numeric id Meta shows, e.g. 100000000000001`);
  }
  return value;
}

/** An access token from a stored configuration. Throws AppError('VALIDATION_FAILED') when missing or malformed. */
export function readAccessToken(config: ConnectorValues, key: string): string {
  const value = config[key];
  if (value === undefined || value === '') throw new AppError('VALIDATION_FAILED', `${key} is not set`);
  if (!OPAQUE_VALUE_PATTERN.test(value)) {
    throw new AppError('VALIDATION_FAILED', `${key} must be copied without spaces or line breaks`);
  }
  return value;
}

/**
 * Why the channel cannot receive anything yet, or undefined when it can. Shown as the
 * connector's status detail after a save and by the connection test.
 */
export function inboundProblem(config: ConnectorValues): string | undefined {
  if (config.app_secret === undefined || config.app_secret === '') {
    return 'app_secret is not set, so every webhook from Meta is refused (its signature cannot be checked); copy the secret from the Meta app dashboard, App settings → Basic';
  }
  if (config.verify_token === undefined || config.verify_token === '') {
    return 'verify_token is not set, so Meta cannot subscribe the webhook; save the configuration again to generate one';
  }
  return undefined;
}
