import type { ConnectorDefinition } from '../../core/connector.ts';
import type { Integration, Tool } from '../types.ts';
import { readEmailsTool } from './read-emails.ts';
import { sendEmailTool } from './send-email.ts';
import { testMailConnection } from './test-connection.ts';

const docsEnglish = `## Mailbox over IMAP and SMTP

Lets the agent read the latest emails of your mailbox and send an email for you, with any
provider that offers IMAP and SMTP (IONOS, Strato, your own server, most hosts).

1. **Host**, **Port**, **TLS**: the IMAP server, e.g. \`imap.ionos.de\`, \`993\`, \`true\`.
   TLS \`true\` connects encrypted (usually port 993); \`false\` (port 143) only on your own network.
2. **User** and **Password**: the mailbox login, usually the full address. The password is
   stored encrypted and never shown again; an app password works where your provider offers one.
3. **SMTP host**, **SMTP port**, **SMTP TLS**: the sending server, e.g. \`smtp.ionos.de\`,
   \`465\`, \`true\` (with \`false\`, port 587 must upgrade with STARTTLS; \`none\` sends
   unencrypted, only for a relay on your own network). Empty host: the IMAP host.
4. **SMTP user**/**SMTP password**: only if sending needs another login than reading.
5. **From address**: the sender of mails the agent sends; empty means the login.
6. **Staff addresses**: your team's addresses, comma-separated. In a conversation with a
   customer the agent sends only to that customer's own address or to these.

For a customer the agent reads only mail from or to that customer's own address (the one the
conversation knows them by), never the rest of the inbox; a sender whose email failed
SPF/DKIM/DMARC gets none. Each mail the agent sends has a Message-ID of its own and is filed in
your Sent folder; a retried send finds it there and does not send again.

**Test** logs in to IMAP (and does nothing else) and to SMTP without sending. The agent opens
the inbox read-only: reading never marks a mail as read. Analytics record only that the tool
ran and how many emails it touched — never senders, subjects or content.`;

const docsGerman = `## Postfach über IMAP und SMTP

Damit kann der Agent die neuesten E-Mails deines Postfachs lesen und für dich eine E-Mail
senden, mit jedem Anbieter, der IMAP und SMTP bietet (IONOS, Strato, eigener Server, fast alle).

1. **Host**, **Port**, **TLS**: der IMAP-Server, z. B. \`imap.ionos.de\`, \`993\`, \`true\`.
   TLS \`true\` verbindet verschlüsselt (meist Port 993); \`false\` (Port 143) nur im eigenen Netz.
2. **Benutzer** und **Passwort**: die Anmeldung des Postfachs, meist die volle Adresse. Das
   Passwort wird verschlüsselt gespeichert und nie wieder angezeigt; ein App-Passwort geht auch.
3. **SMTP-Host**, **SMTP-Port**, **SMTP-TLS**: der Versandserver, z. B. \`smtp.ionos.de\`,
   \`465\`, \`true\` (mit \`false\` muss Port 587 per STARTTLS verschlüsseln; \`none\` sendet
   unverschlüsselt, nur für ein Relay im eigenen Netz). Leer: der IMAP-Host.
4. **SMTP-Benutzer**/**SMTP-Passwort**: nur wenn der Versand eine andere Anmeldung braucht.
5. **Absenderadresse**: der Absender der Mails des Agenten; leer heißt: die Anmeldung.
6. **Team-Adressen**: die Adressen deines Teams, durch Kommas getrennt. Im Gespräch mit einem
   Kunden sendet der Agent nur an dessen eigene Adresse oder an diese.

Für einen Kunden liest der Agent nur Mails von oder an dessen eigene Adresse (die, unter der das
Gespräch ihn kennt), nie den Rest des Posteingangs; ein Absender, dessen Mail SPF/DKIM/DMARC nicht
besteht, bekommt keine. Jede Mail des Agenten hat eine eigene Message-ID und wird im Ordner
„Gesendet“ abgelegt; ein wiederholter Versand findet sie dort und sendet nicht noch einmal.

**Testen** meldet sich bei IMAP (ohne etwas zu tun) und bei SMTP an, ohne zu senden. Der Agent
öffnet den Posteingang nur lesend: Lesen markiert keine Mail als gelesen. Die Analytics zählen
nur, dass das Werkzeug lief und wie viele Mails es betraf — nie Absender, Betreff oder Inhalt.`;

/** The `imap` connector: fields and setup guide. */
export const imapDefinition: ConnectorDefinition = {
  id: 'imap',
  name: 'Mailbox (IMAP/SMTP)',
  category: 'productivity',
  fields: [
    { key: 'host', label: 'IMAP host', required: true, secret: false, description: 'e.g. imap.ionos.de' },
    {
      key: 'port',
      label: 'IMAP port',
      required: false,
      secret: false,
      description: '993 when empty (143 without TLS).',
    },
    {
      key: 'tls',
      label: 'IMAP TLS',
      required: false,
      secret: false,
      description: 'true (default) or false.',
    },
    { key: 'user', label: 'User', required: true, secret: false, description: 'The mailbox login.' },
    { key: 'password', label: 'Password', required: true, secret: true },
    {
      key: 'smtp_host',
      label: 'SMTP host',
      required: false,
      secret: false,
      description: 'The IMAP host when empty.',
    },
    {
      key: 'smtp_port',
      label: 'SMTP port',
      required: false,
      secret: false,
      description: '465 when empty (587 without TLS).',
    },
    {
      key: 'smtp_tls',
      label: 'SMTP TLS',
      required: false,
      secret: false,
      description: 'true (default, implicit TLS), false (STARTTLS required) or none (unencrypted relay).',
    },
    {
      key: 'smtp_user',
      label: 'SMTP user',
      required: false,
      secret: false,
      description: 'The IMAP user when empty.',
    },
    { key: 'smtp_password', label: 'SMTP password', required: false, secret: true },
    {
      key: 'from_address',
      label: 'From address',
      required: false,
      secret: false,
      description: 'The login when empty.',
    },
    {
      key: 'staff_addresses',
      label: 'Staff addresses',
      required: false,
      secret: false,
      description:
        "Comma-separated: besides the customer's own address, where the agent may send in a customer conversation.",
    },
  ],
  docs: { en: docsEnglish, de: docsGerman },
};

/** Mail for the agent: `read_emails` over IMAP (imapflow), `send_email` over SMTP (nodemailer). */
export const imapIntegration: Integration = {
  id: 'imap',
  connector: imapDefinition,
  test: testMailConnection,
  tools: [readEmailsTool as Tool, sendEmailTool as Tool],
};
