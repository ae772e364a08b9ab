import type { HubConnector } from '../connectors/registry.ts';
import type { ConnectorDefinition } from '../core/connector.ts';
import type { Egress } from '../core/egress.ts';
import { prepareSmtpConfig } from './smtp-settings.ts';
import { checkSmtpConnection } from './smtp-transport.ts';

const docsEnglish = `## System mail over SMTP

Switchboard sends short notices to your team by email: when a reply to a customer could
not be delivered after every retry, and when a conversation needs a person. These go
through your own mail server or mail service (any SMTP provider works), not through
Postmark.

1. **Host** and **Port** of the SMTP server, as your mail provider lists them for sending
   ("SMTP submission"), e.g. \`smtp.example.com\` and \`587\`.
2. **Security**: \`starttls\` (the default) upgrades the connection on port 587 and refuses
   to continue if the server cannot; \`tls\` connects encrypted from the start (port 465,
   chosen automatically for that port); \`none\` sends unencrypted and is only for a relay
   on your own network.
3. **User** and **Password**: the login for the server; leave both empty for a relay that
   needs none. The password is stored encrypted and never shown again.
4. **From**: the sender of the notices, e.g. \`Switchboard <alerts@example.com>\`. Many
   providers only accept addresses of your own domain.
5. **Notify email**: who receives the notices; several addresses separated by commas.
   Without it nothing is sent.

**Test** connects, logs in and disconnects without sending anything. An error names the
step that failed: the server could not be reached, TLS did not work, or the login was refused.

The notices name the channel, the conversation and why; they never contain what the
customer or the agent wrote.`;

const docsGerman = `## Systemmails über SMTP

Switchboard schickt deinem Team kurze Hinweise per E-Mail: wenn eine Antwort an die
Kundschaft auch nach allen Wiederholungen nicht zugestellt werden konnte und wenn eine
Unterhaltung einen Menschen braucht. Diese Mails laufen über deinen eigenen Mailserver oder
Maildienst (jeder SMTP-Anbieter geht), nicht über Postmark.

1. **Host** und **Port** des SMTP-Servers, wie dein Mailanbieter sie zum Versenden angibt
   („SMTP-Submission“), z. B. \`smtp.example.com\` und \`587\`.
2. **Sicherheit**: \`starttls\` (Standard) verschlüsselt die Verbindung auf Port 587 nachträglich
   und bricht ab, wenn der Server das nicht kann; \`tls\` verbindet von Anfang an verschlüsselt
   (Port 465, bei diesem Port automatisch gewählt); \`none\` sendet unverschlüsselt und ist nur
   für ein Relay im eigenen Netz gedacht.
3. **Benutzer** und **Passwort**: die Anmeldung am Server; beide leer lassen bei einem Relay
   ohne Anmeldung. Das Passwort wird verschlüsselt gespeichert und nie wieder angezeigt.
4. **Absender**: der Absender der Hinweise, z. B. \`Switchboard <alerts@example.com>\`. Viele
   Anbieter nehmen nur Adressen der eigenen Domain an.
5. **Benachrichtigungsadresse**: wer die Hinweise bekommt; mehrere Adressen durch Kommas
   getrennt. Ohne sie wird nichts verschickt.

**Testen** verbindet sich, meldet sich an und trennt die Verbindung, ohne etwas zu senden.
Ein Fehler nennt den Schritt, der scheiterte: Server nicht erreichbar, TLS klappte nicht
oder die Anmeldung wurde abgelehnt.

Die Hinweise nennen Kanal, Unterhaltung und Grund; was Kundschaft oder Agent geschrieben
haben, steht nie darin.`;

/** The SMTP connector: fields and setup guide. */
export const smtpDefinition: ConnectorDefinition = {
  id: 'smtp',
  name: 'System mail (SMTP)',
  category: 'email',
  fields: [
    { key: 'host', label: 'Host', required: true, secret: false, description: 'e.g. smtp.example.com' },
    {
      key: 'port',
      label: 'Port',
      required: false,
      secret: false,
      description: '587 when left empty (465 for security tls).',
    },
    {
      key: 'security',
      label: 'Security',
      required: false,
      secret: false,
      description: 'starttls (default), tls or none.',
    },
    {
      key: 'user',
      label: 'User',
      required: false,
      secret: false,
      description: 'The SMTP login, if the server needs one.',
    },
    { key: 'password', label: 'Password', required: false, secret: true },
    {
      key: 'from',
      label: 'From',
      required: true,
      secret: false,
      description: 'Sender of the notices, e.g. Switchboard <alerts@example.com>.',
    },
    {
      key: 'notify_email',
      label: 'Notify email',
      required: false,
      secret: false,
      description: 'Staff addresses that receive notices, separated by commas.',
    },
  ],
  docs: { en: docsEnglish, de: docsGerman },
};

/**
 * The SMTP connector as the hub runs it: validate on save, `verify()` through the egress
 * guard on test. No webhook, no setup.
 */
export function createSmtpConnector(egress: Egress): HubConnector {
  return {
    definition: smtpDefinition,
    prepareConfig: prepareSmtpConfig,
    test: (values) => checkSmtpConnection(values, egress),
  };
}
