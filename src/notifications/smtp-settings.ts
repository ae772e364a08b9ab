import type { ConnectorValues } from '../core/connector.ts';
import { AppError } from '../core/errors.ts';
import type { SmtpEndpoint, SmtpSecurity } from '../core/smtp-transport.ts';

/** A tenant's SMTP configuration, checked and with defaults applied. */
export interface SmtpSettings extends SmtpEndpoint {
  from: string;
  /** Staff addresses notices go to; empty when nobody is to be told. */
  notifyEmails: string[];
}

/** A host name or an IPv4 address; IPv6 in brackets. */
const HOST_PATTERN =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])$/;
const ADDRESS_PATTERN = /^[^<>@\s,]+@[^<>@\s,]+\.[^<>@\s,]+$/;
/** `alerts@example.com` or `Switchboard <alerts@example.com>`. */
const FROM_PATTERN = /^(?:[^<>\r\n]*<[^<>@\s]+@[^<>@\s]+\.[^<>@\s]+>|[^<>@\s]+@[^<>@\s]+\.[^<>@\s]+)$/;
const SECURITY_VALUES: readonly SmtpSecurity[] = ['tls', 'starttls', 'none'];

/**
 * Checks an SMTP configuration and fills defaults: STARTTLS required unless port 465 says
 * implicit TLS, port 587 (or 465 for TLS). Throws AppError('VALIDATION_FAILED') naming the
 * first field that cannot work.
 */
export function readSmtpSettings(values: ConnectorValues): SmtpSettings {
  const host = values.host ?? '';
  if (!HOST_PATTERN.test(host)) fail('host must be a host name such as smtp.example.com');
  const security = readSecurity(values);
  const port = values.port ? Number(values.port) : security === 'tls' ? 465 : 587;
  if (!Number.isInteger(port) || port < 1 || port > 65_535)
    fail('port must be a whole number from 1 to 65535');
  const from = values.from ?? '';
  if (!FROM_PATTERN.test(from)) fail('from must be an address such as Switchboard <alerts@example.com>');
  const user = values.user ?? '';
  const password = values.password ?? '';
  if ((user === '') !== (password === ''))
    fail('user and password must be given together, or both left empty');
  const notifyEmails = (values.notify_email ?? '')
    .split(',')
    .map((address) => address.trim())
    .filter((address) => address !== '');
  if (notifyEmails.some((address) => !ADDRESS_PATTERN.test(address))) {
    fail('notify_email must be one address, or several separated by commas');
  }
  return { host, port, security, ...(user === '' ? {} : { auth: { user, password } }), from, notifyEmails };
}

/** `prepareConfig` for the hub: refuses a configuration `readSmtpSettings` would refuse, stores it as entered. */
export function prepareSmtpConfig(values: ConnectorValues): ConnectorValues {
  readSmtpSettings(values);
  return values;
}

function readSecurity(values: ConnectorValues): SmtpSecurity {
  const security = values.security?.toLowerCase();
  if (!security) return values.port === '465' ? 'tls' : 'starttls';
  if (!(SECURITY_VALUES as readonly string[]).includes(security))
    fail('security must be tls, starttls or none');
  return security as SmtpSecurity;
}

function fail(message: string): never {
  throw new AppError('VALIDATION_FAILED', message);
}
