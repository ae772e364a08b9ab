import type { ConnectorValues } from '../core/connector.ts';
import type { Egress } from '../core/egress.ts';
import { AppError } from '../core/errors.ts';
import { readSmtpSettings } from './smtp-settings.ts';
import { type SmtpMail, sendSmtpMail } from './smtp-transport.ts';

/** An invite to send: who, to which workspace, and the one-time link. */
export interface StaffInvite {
  tenantId: string;
  tenantName: string;
  email: string;
  name: string;
  role: string;
  inviteUrl: string;
  expiresAt: Date;
}

/**
 * What became of the invite email. `sent` names whose server sent it; `failed` says why in
 * words of our own (never the server's text); `not_configured` when neither the tenant nor
 * the operator has SMTP: the admin hands the link on themselves.
 */
export type InviteEmail =
  | { status: 'sent'; via: 'tenant' | 'operator' }
  | { status: 'failed'; via: 'tenant' | 'operator'; detail: string }
  | { status: 'not_configured' };

export interface InviteMailerOptions {
  /** The tenant's decrypted `smtp` connector values, or undefined when it has none. */
  loadSmtpConfig(tenantId: string): Promise<ConnectorValues | undefined>;
  /** The operator's SMTP (`SMTP_URL`, `SMTP_FROM`), used for tenants without their own. */
  operatorSmtp: ConnectorValues | undefined;
  egress: Egress;
}

/** The invite email: who invited them where, the link, how long it works. No other content. */
export function composeInvite(invite: StaffInvite): SmtpMail {
  return {
    to: [invite.email],
    subject: `[${invite.tenantName}] You are invited to the Switchboard workspace`,
    text:
      `Hello ${invite.name},\n\n` +
      `you have been invited to the Switchboard workspace of ${invite.tenantName} as ${invite.role}.\n` +
      `Choose your password here; the link works once, until ${invite.expiresAt.toISOString()}:\n\n` +
      `${invite.inviteUrl}\n\n` +
      'If you did not expect this, ignore this email.\n',
  };
}

/**
 * Sends invites by email through the tenant's own SMTP server, or the operator's when the
 * tenant has none. Sent while the admin waits (a short session, bounded by the SMTP
 * client's timeouts), so the answer says whether it went out; the link is never queued
 * or stored in clear anywhere.
 */
export function createInviteMailer(options: InviteMailerOptions) {
  return async function sendInvite(invite: StaffInvite): Promise<InviteEmail> {
    const own = await options.loadSmtpConfig(invite.tenantId);
    const via = own ? 'tenant' : 'operator';
    const values = own ?? options.operatorSmtp;
    if (!values) return { status: 'not_configured' };
    try {
      await sendSmtpMail(readSmtpSettings(values), composeInvite(invite), options.egress);
      return { status: 'sent', via };
    } catch (error) {
      if (error instanceof AppError) return { status: 'failed', via, detail: error.message };
      throw error;
    }
  };
}

/** Sends one invite email; see `createInviteMailer`. */
export type InviteMailer = ReturnType<typeof createInviteMailer>;
