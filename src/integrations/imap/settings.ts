import { z } from 'zod';
import type { ConnectorValues } from '../../core/connector.ts';
import type { SmtpEndpoint, SmtpSecurity } from '../../core/smtp-transport.ts';
import { ToolError } from '../types.ts';

/** The `imap` connector's values, typed: IMAP for reading, SMTP for sending. */
export interface MailSettings {
  imap: { host: string; port: number; tls: boolean; user: string; password: string };
  /** Sent with the gateway's one SMTP client, so its TLS rule holds here too. */
  smtp: SmtpEndpoint & { auth: { user: string; password: string } };
  /** The sender of mail the agent sends: `from_address`, else the login when it is an address. */
  fromAddress: string;
  /**
   * The team's addresses (`staff_addresses`), lower-cased: besides the customer's own address
   * the only recipients `send_email` accepts in a customer conversation.
   */
  staffAddresses: string[];
}

const address = z.email();

function addressList(value: string | undefined): string[] {
  const entries = (value ?? '').split(/[\s,;]+/).filter(Boolean);
  for (const entry of entries) {
    if (!address.safeParse(entry).success) {
      throw new ToolError('auth_expired', 'The mail connector has an invalid staff address');
    }
  }
  return entries.map((entry) => entry.toLowerCase());
}

function flag(value: string | undefined, fallback: boolean): boolean {
  if (value === undefined || value.trim() === '') return fallback;
  return ['true', 'yes', '1', 'on'].includes(value.trim().toLowerCase());
}

function portNumber(value: string | undefined, fallback: number): number {
  if (value === undefined || value.trim() === '') return fallback;
  const port = Number(value.trim());
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new ToolError('auth_expired', 'The mail connector has an invalid port');
  }
  return port;
}

/**
 * `smtp_tls`: true (the default) is implicit TLS; false requires STARTTLS; `none` is plain
 * text, only for a relay on the operator's own network.
 */
function smtpSecurity(value: string | undefined): SmtpSecurity {
  if (value?.trim().toLowerCase() === 'none') return 'none';
  return flag(value, true) ? 'tls' : 'starttls';
}

/**
 * Reads the stored values. Missing login data means the business has to fix the connector,
 * like a password that stopped working, so it is `auth_expired`: staff must reconnect.
 */
export function readMailSettings(values: ConnectorValues): MailSettings {
  const host = values.host?.trim() ?? '';
  const user = values.user?.trim() ?? '';
  const password = values.password ?? '';
  if (!host || !user || !password) {
    throw new ToolError('auth_expired', 'The mail connector lacks host, user or password');
  }
  const tls = flag(values.tls, true);
  const security = smtpSecurity(values.smtp_tls);
  const smtpUser = values.smtp_user?.trim() || user;
  const fromAddress = values.from_address?.trim() || (smtpUser.includes('@') ? smtpUser : user);
  return {
    imap: { host, port: portNumber(values.port, tls ? 993 : 143), tls, user, password },
    smtp: {
      host: values.smtp_host?.trim() || host,
      port: portNumber(values.smtp_port, security === 'tls' ? 465 : 587),
      security,
      auth: { user: smtpUser, password: values.smtp_password || password },
    },
    fromAddress,
    staffAddresses: addressList(values.staff_addresses),
  };
}
