import { z } from 'zod';
import { openSmtpTransport } from '../../core/smtp-transport.ts';
import { providerId } from '../provider-id.ts';
import type { Tool, ToolContext } from '../types.ts';
import { classifyMailError } from './errors.ts';
import { withImapSession } from './imap-session.ts';
import { checkRecipient } from './recipients.ts';
import { holdsMessage, sentFolder } from './sent-folder.ts';
import { type MailSettings, readMailSettings } from './settings.ts';

/** No line breaks in a subject: they would let the model inject headers. */
const singleLine = /^[^\r\n]*$/;

export const sendEmailInput = z.object({
  to: z
    .email()
    .describe("The recipient address. In a customer conversation: the customer's own or the team's."),
  subject: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .regex(singleLine, 'one line only')
    .describe('The subject, one line.'),
  body: z.string().trim().min(1).max(20_000).describe('The plain-text message.'),
});

export type SendEmailInput = z.infer<typeof sendEmailInput>;

/** The call's Message-ID: the same on every run of the call, in the sender's domain. */
function messageIdOf(context: ToolContext, fromAddress: string): string {
  const domain = fromAddress.split('@')[1] || 'switchboard.invalid';
  return `<switchboard-${providerId(context)}@${domain}>`;
}

/**
 * Sends at most once per call: the Sent folder is searched for the call's Message-ID before
 * sending (a re-run after a crash finds the first run's copy and sends nothing), and the exact
 * bytes sent are appended there after (most IMAP servers, Dovecot among them, do not store
 * what SMTP submitted), unless the provider already filed it.
 */
async function sendOnce(
  settings: MailSettings,
  message: { to: string; raw: Buffer; messageId: string; date: Date },
  context: Pick<ToolContext, 'egress' | 'signal'>,
): Promise<{ accepted: number; alreadySent: boolean }> {
  const { egress, signal } = context;
  let step: 'IMAP' | 'SMTP' = 'IMAP';
  try {
    return await withImapSession(settings.imap, egress, signal, async (client) => {
      const folder = await sentFolder(client);
      if (await holdsMessage(client, folder, message.messageId)) return { accepted: 1, alreadySent: true };
      step = 'SMTP';
      const transport = await openSmtpTransport(settings.smtp, egress, signal);
      let accepted: number;
      try {
        const info = await transport.sendMail({
          envelope: { from: settings.fromAddress, to: [message.to] },
          raw: message.raw,
        });
        accepted = info.accepted.length;
      } finally {
        transport.close();
      }
      step = 'IMAP';
      if (!(await holdsMessage(client, folder, message.messageId)))
        await client.append(folder, message.raw, ['\\Seen'], message.date);
      return { accepted, alreadySent: false };
    });
  } catch (error) {
    throw classifyMailError(error, step, signal);
  }
}

/**
 * `send_email`: one plain-text email from the business's address over its SMTP server. For a
 * customer it goes only to their own address or the team's (see `checkRecipient`); a re-run
 * of the same call sends nothing twice.
 */
export const sendEmailTool: Tool<SendEmailInput> = {
  name: 'send_email',
  description:
    "Send a plain-text email from the business's address to one recipient: in a customer conversation only to the customer's own address or to the team.",
  connectorId: 'imap',
  provider: 'none',
  service: 'imap_mail',
  actionType: 'send_email',
  audience: 'customer',
  reads: ['mail'],
  sideEffect: true,
  inputSchema: sendEmailInput,
  async run(input, context) {
    const settings = readMailSettings(context.config);
    checkRecipient(input.to, context.caller, settings.staffAddresses);
    const messageId = messageIdOf(context, settings.fromAddress);
    const date = context.now();
    // Imported on first use, not at start-up.
    const { default: MailComposer } = await import('nodemailer/lib/mail-composer');
    const raw = await new MailComposer({
      from: settings.fromAddress,
      to: input.to,
      subject: input.subject,
      text: input.body,
      messageId,
      date,
    })
      .compile()
      .build();
    const outcome = await sendOnce(settings, { to: input.to, raw, messageId, date }, context);
    return {
      content: JSON.stringify({ sent: outcome.accepted > 0, accepted: outcome.accepted }),
      itemsProcessed: 1,
    };
  },
};
