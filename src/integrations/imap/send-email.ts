import { z } from 'zod';
import { openSmtpTransport, type SmtpTransport } from '../../core/smtp-transport.ts';
import type { Tool } from '../types.ts';
import { classifyMailError } from './errors.ts';
import { readMailSettings } from './settings.ts';

/** No line breaks in a subject: they would let the model inject headers. */
const singleLine = /^[^\r\n]*$/;

export const sendEmailInput = z.object({
  to: z.email().describe('The recipient address.'),
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

/** `send_email`: one plain-text email from the business's address over its SMTP server. */
export const sendEmailTool: Tool<SendEmailInput> = {
  name: 'send_email',
  description: "Send a plain-text email from the business's address to one recipient.",
  connectorId: 'imap',
  provider: 'none',
  service: 'imap_mail',
  actionType: 'send_email',
  audience: 'staff',
  reads: ['mail'],
  sideEffect: true,
  inputSchema: sendEmailInput,
  async run(input, context) {
    const settings = readMailSettings(context.config);
    let transport: SmtpTransport | undefined;
    try {
      transport = await openSmtpTransport(settings.smtp, context.egress, context.signal);
      context.signal.throwIfAborted();
      const info = await transport.sendMail({
        from: settings.fromAddress,
        to: input.to,
        subject: input.subject,
        text: input.body,
      });
      const accepted = info.accepted.length;
      return { content: JSON.stringify({ sent: accepted > 0, accepted }), itemsProcessed: 1 };
    } catch (error) {
      throw classifyMailError(error, 'SMTP', context.signal);
    } finally {
      transport?.close();
    }
  },
};
