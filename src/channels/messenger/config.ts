import type { ConnectorDefinition, ConnectorValues } from '../../core/connector.ts';
import { appSecretField, prepareMetaConfig, verifyTokenField } from '../meta/config.ts';

const docsEnglish = `## Connect Facebook Messenger

You need a Facebook Page and a Meta app with the **Messenger** product.

1. Find the **Page ID** under *About → Page transparency* on the page, or in the app
   dashboard under **Messenger → Settings**, and copy it into **Page ID**.
2. In **Messenger → Settings → Access tokens** add the page and generate a token. Paste it
   into **Page access token**. It needs \`pages_messaging\` and, so that Switchboard can
   subscribe the page for you, \`pages_manage_metadata\`.
3. Copy the **App secret** from **App settings → Basic** into **App secret**. Switchboard
   checks the signature of every webhook with it; without it nothing from Meta is accepted.
4. Save. Switchboard fills in a **Verify token** if you left it empty, checks that the token
   belongs to the page, and subscribes the page to the app's webhook.
5. In **Messenger → Settings → Webhooks** set the callback URL to
   \`<PUBLIC_URL>/webhook/messenger/<tenant slug>\`, paste the verify token, and subscribe
   to \`messages\`, \`messaging_postbacks\`, \`message_deliveries\` and \`message_edits\`.

**The 24-hour window.** Messenger allows replies within 24 hours of the customer's last
message. Replies written by your staff may still go out for 7 days; Switchboard sends them
with Meta's *human agent* tag, which needs the **Human Agent** permission in App Review.
Later replies wait with the status \`needs_template\` in the transcript and go out when the
customer writes again.

**Test** asks Meta whose token this is and shows the page's name; an error names what is
missing or wrong.`;

const docsGerman = `## Facebook Messenger verbinden

Du brauchst eine Facebook-Seite und eine Meta-App mit dem Produkt **Messenger**.

1. Die **Seiten-ID** findest du auf der Seite unter *Info → Seitentransparenz* oder im
   App-Dashboard unter **Messenger → Einstellungen**. Kopiere sie in das Feld **Page ID**.
2. Füge unter **Messenger → Einstellungen → Zugriffsschlüssel** die Seite hinzu und erzeuge
   ein Token. Trage es unter **Page access token** ein. Es braucht \`pages_messaging\` und,
   damit Switchboard die Seite selbst abonnieren kann, \`pages_manage_metadata\`.
3. Kopiere das **App-Geheimnis** aus **App-Einstellungen → Allgemeines** in das Feld **App
   secret**. Damit prüft Switchboard die Signatur jedes Webhooks; ohne das Geheimnis wird
   nichts von Meta angenommen.
4. Speichern. Ist **Verify token** leer, erzeugt Switchboard einen. Dann prüft Switchboard,
   ob das Token zur Seite gehört, und abonniert die Seite für den Webhook der App.
5. Trage unter **Messenger → Einstellungen → Webhooks** als Callback-URL
   \`<PUBLIC_URL>/webhook/messenger/<Mandanten-Kürzel>\` ein, füge den Verify-Token ein und
   abonniere \`messages\`, \`messaging_postbacks\`, \`message_deliveries\` und
   \`message_edits\`.

**Das 24-Stunden-Fenster.** Messenger erlaubt Antworten innerhalb von 24 Stunden nach der
letzten Nachricht des Kunden. Antworten deines Teams dürfen noch 7 Tage lang gesendet
werden; Switchboard versieht sie mit Metas Kennzeichnung *Human Agent*, für die die
Berechtigung **Human Agent** im App Review nötig ist. Spätere Antworten warten im Verlauf mit
dem Status \`needs_template\` und werden gesendet, sobald der Kunde wieder schreibt.

**Testen** fragt Meta, zu wem das Token gehört, und zeigt den Namen der Seite an; ein Fehler
nennt, was fehlt oder falsch ist.`;

/** The Messenger connector: the fields staff fill in and the setup guide beside them. */
export const messengerConnector: ConnectorDefinition = {
  id: 'messenger',
  name: 'Facebook Messenger',
  category: 'messaging',
  fields: [
    {
      key: 'page_id',
      label: 'Page ID',
      required: true,
      secret: false,
      description: 'The numeric ID of the Facebook Page.',
    },
    {
      key: 'page_access_token',
      label: 'Page access token',
      required: true,
      secret: true,
      description: 'A page token with pages_messaging (and pages_manage_metadata to subscribe the page).',
    },
    verifyTokenField,
    appSecretField,
  ],
  docs: { en: docsEnglish, de: docsGerman },
};

/**
 * Checks the values staff entered and fills in a verify token when none was given.
 * Throws AppError('VALIDATION_FAILED') naming the first field that cannot work.
 */
export function prepareMessengerConfig(values: ConnectorValues): ConnectorValues {
  return prepareMetaConfig(values, { ids: ['page_id'], secrets: ['page_access_token'] });
}
