import type { ConnectorDefinition } from '../../core/connector.ts';

const docsEnglish = `## Connect email through Postmark

Switchboard receives your customers' email through Postmark's inbound processing and
answers through Postmark's API, from your own address.

1. In Postmark, open **Servers**, pick the server for support mail (or create one), and
   copy the token from its **API Tokens** tab into **Server token**. Keep it secret: it can
   send mail in your name.
2. **From address**: the address replies are sent from, for example
   \`Support <support@example.com>\`. Postmark only sends from a confirmed sender signature
   or a verified domain.
3. Save. Unless you entered your own, Switchboard creates a user name and password that
   protect the inbound webhook and shows the **inbound webhook URL** once, in the answer
   to this save. It looks like
   \`https://postmark-1a2b3c:••••@<PUBLIC_URL host>/webhook/email/<tenant slug>\`. Copy it
   now: the password is stored encrypted and never shown again. Lost it? Empty the
   **Inbound webhook password** field and save to get a new URL, then update Postmark.
4. In Postmark, open the server's **Default Inbound Stream** → **Settings** and paste the
   URL as the **Webhook URL**. Postmark then signs in with that user and password on every
   call; calls without them are refused.
5. Send your customers' mail to Postmark: forward your support address to the server's
   inbound address (\`…@inbound.postmarkapp.com\`, shown on the same page), or point an
   inbound domain's MX record at Postmark.

Replies keep the thread: they carry \`In-Reply-To\` and \`References\` and a subject of the
form \`Re: <subject>\`, and a customer's answer to one of them joins the conversation it
answers. Automatic replies (out of office), mail Postmark marks as spam, and mail from
your own From address are not answered, so two robots never write to each other forever.
Attachments are recorded with name, type and size; files over 10 MB are marked as too large.

**Message stream** (optional): the Postmark stream replies go out on; \`outbound\` by default.

**Test** asks Postmark for the server's name. An error there means the token is wrong or
revoked, or Postmark cannot be reached from this server.`;

const docsGerman = `## E-Mail über Postmark verbinden

Switchboard empfängt die E-Mails deiner Kundschaft über die Eingangsverarbeitung von
Postmark und antwortet über die Postmark-API, mit deiner eigenen Absenderadresse.

1. Öffne in Postmark **Servers**, wähle den Server für Support-Mails (oder lege einen an)
   und kopiere das Token aus dem Reiter **API Tokens** in **Server-Token**. Halte es geheim:
   Damit lassen sich Mails in deinem Namen versenden.
2. **Absenderadresse**: die Adresse, von der Antworten kommen, zum Beispiel
   \`Support <support@example.com>\`. Postmark versendet nur von einer bestätigten
   Absendersignatur oder einer verifizierten Domain.
3. Speichern. Sofern du keine eigenen eingetragen hast, erzeugt Switchboard Benutzername
   und Passwort für den Eingangs-Webhook und zeigt die **Eingangs-Webhook-URL** genau einmal
   an, in der Antwort auf dieses Speichern. Sie sieht so aus:
   \`https://postmark-1a2b3c:••••@<Host der PUBLIC_URL>/webhook/email/<Mandanten-Kürzel>\`.
   Kopiere sie sofort: Das Passwort wird verschlüsselt gespeichert und nie wieder angezeigt.
   Verloren? Leere das Feld **Eingangs-Webhook-Passwort** und speichere, dann bekommst du
   eine neue URL; trage sie anschließend in Postmark ein.
4. Öffne in Postmark beim Server den **Default Inbound Stream** → **Settings** und füge die
   URL als **Webhook URL** ein. Postmark meldet sich dann bei jedem Aufruf mit diesem
   Benutzer und Passwort an; Aufrufe ohne sie werden abgewiesen.
5. Leite die Mails deiner Kundschaft zu Postmark: Richte eine Weiterleitung deiner
   Support-Adresse an die Eingangsadresse des Servers ein (\`…@inbound.postmarkapp.com\`,
   steht auf derselben Seite), oder lass den MX-Eintrag einer Eingangs-Domain auf Postmark
   zeigen.

Antworten bleiben im Verlauf: Sie tragen \`In-Reply-To\` und \`References\` und einen Betreff
der Form \`Re: <Betreff>\`, und wenn die Kundschaft darauf antwortet, landet die Mail in
derselben Unterhaltung. Automatische Antworten (Abwesenheitsnotizen), Mails, die Postmark als
Spam einstuft, und Mails von deiner eigenen Absenderadresse werden nicht beantwortet, damit
sich nicht zwei Automaten endlos schreiben. Anhänge werden mit Name, Typ und Größe
festgehalten; Dateien über 10 MB werden als zu groß markiert.

**Message-Stream** (optional): der Postmark-Stream für Antworten; standardmäßig \`outbound\`.

**Testen** fragt Postmark nach dem Namen des Servers. Ein Fehler bedeutet, dass das Token
falsch oder widerrufen ist oder Postmark von diesem Server aus nicht erreichbar ist.`;

/** The Postmark email connector: the fields staff fill in and the setup guide shown beside them. */
export const emailConnector: ConnectorDefinition = {
  id: 'email',
  name: 'Email (Postmark)',
  category: 'email',
  fields: [
    {
      key: 'server_token',
      label: 'Server token',
      required: true,
      secret: true,
      description: "The token from your Postmark server's API Tokens tab.",
    },
    {
      key: 'from_email',
      label: 'From address',
      required: true,
      secret: false,
      description: 'Replies are sent from this address, e.g. Support <support@example.com>.',
    },
    {
      key: 'message_stream',
      label: 'Message stream',
      required: false,
      secret: false,
      description: 'The Postmark stream for replies; outbound when left empty.',
    },
    {
      key: 'inbound_webhook_user',
      label: 'Inbound webhook user',
      required: false,
      secret: false,
      description: 'Generated when left empty; part of the inbound webhook URL.',
    },
    {
      key: 'inbound_webhook_password',
      label: 'Inbound webhook password',
      required: false,
      secret: true,
      description:
        'Generated when left empty (the URL is shown once); 16–128 characters of A-Z, a-z, 0-9, ., _, ~ and -.',
    },
  ],
  docs: { en: docsEnglish, de: docsGerman },
};
