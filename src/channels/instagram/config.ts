import type { ConnectorDefinition, ConnectorValues } from '../../core/connector.ts';
import { appSecretField, prepareMetaConfig, verifyTokenField } from '../meta/config.ts';

const docsEnglish = `## Connect Instagram direct messages

You need an Instagram professional account (business or creator) linked to a Facebook Page,
and a Meta app with the **Messenger** product and its Instagram settings. In the Instagram
app, turn on *Settings → Messages → Connected tools → Allow access to messages*.

1. Copy the **Instagram account ID** (the numeric id of the professional account, shown in
   the app dashboard's Instagram settings or returned by the Page's
   \`instagram_business_account\` field) into **Instagram account ID**.
2. Generate a **Page access token** for the linked Facebook Page with
   \`instagram_basic\`, \`instagram_manage_messages\` and \`pages_manage_metadata\`, and
   paste it into **Page access token**.
3. Copy the **App secret** from **App settings → Basic** into **App secret**. Switchboard
   checks the signature of every webhook with it; without it nothing from Meta is accepted.
4. Save. Switchboard fills in a **Verify token** if you left it empty.
5. In the app's webhook settings for **Instagram** set the callback URL to
   \`<PUBLIC_URL>/webhook/instagram/<tenant slug>\`, paste the verify token, and subscribe
   to \`messages\` and \`messaging_postbacks\`.

**Rules.** Instagram allows replies within 24 hours of the customer's last message. Replies
written by your staff may still go out for 7 days with Meta's *human agent* tag (it needs
the **Human Agent** permission in App Review). Later replies wait with the status
\`needs_template\` in the transcript until the customer writes again. One Instagram message
holds at most 1000 bytes, so longer replies arrive as several messages.

**Test** asks Meta for the account behind the ID with this token and shows its username.`;

const docsGerman = `## Instagram-Direktnachrichten verbinden

Du brauchst ein professionelles Instagram-Konto (Unternehmen oder Creator), das mit einer
Facebook-Seite verknüpft ist, und eine Meta-App mit dem Produkt **Messenger** und dessen
Instagram-Einstellungen. Schalte in der Instagram-App *Einstellungen → Nachrichten →
Verbundene Tools → Zugriff auf Nachrichten erlauben* ein.

1. Kopiere die **Instagram-Konto-ID** (die numerische ID des professionellen Kontos; sie
   steht in den Instagram-Einstellungen des App-Dashboards oder im Feld
   \`instagram_business_account\` der Seite) in das Feld **Instagram account ID**.
2. Erzeuge für die verknüpfte Facebook-Seite ein **Seiten-Token** mit
   \`instagram_basic\`, \`instagram_manage_messages\` und \`pages_manage_metadata\` und
   trage es unter **Page access token** ein.
3. Kopiere das **App-Geheimnis** aus **App-Einstellungen → Allgemeines** in das Feld **App
   secret**. Damit prüft Switchboard die Signatur jedes Webhooks; ohne das Geheimnis wird
   nichts von Meta angenommen.
4. Speichern. Ist **Verify token** leer, erzeugt Switchboard einen.
5. Trage in den Webhook-Einstellungen der App für **Instagram** als Callback-URL
   \`<PUBLIC_URL>/webhook/instagram/<Mandanten-Kürzel>\` ein, füge den Verify-Token ein und
   abonniere \`messages\` und \`messaging_postbacks\`.

**Regeln.** Instagram erlaubt Antworten innerhalb von 24 Stunden nach der letzten Nachricht
des Kunden. Antworten deines Teams dürfen mit Metas Kennzeichnung *Human Agent* noch 7 Tage
lang gesendet werden (dafür ist die Berechtigung **Human Agent** im App Review nötig).
Spätere Antworten warten im Verlauf mit dem Status \`needs_template\`, bis der Kunde wieder
schreibt. Eine Instagram-Nachricht fasst höchstens 1000 Byte, daher kommen längere
Antworten als mehrere Nachrichten an.

**Testen** fragt Meta mit diesem Token nach dem Konto hinter der ID und zeigt seinen
Benutzernamen an.`;

/** The Instagram DM connector: the fields staff fill in and the setup guide beside them. */
export const instagramConnector: ConnectorDefinition = {
  id: 'instagram',
  name: 'Instagram',
  category: 'messaging',
  fields: [
    {
      key: 'instagram_account_id',
      label: 'Instagram account ID',
      required: true,
      secret: false,
      description: 'The numeric id of the Instagram professional account.',
    },
    {
      key: 'page_access_token',
      label: 'Page access token',
      required: true,
      secret: true,
      description: 'A token of the linked Facebook Page with instagram_manage_messages.',
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
export function prepareInstagramConfig(values: ConnectorValues): ConnectorValues {
  return prepareMetaConfig(values, { ids: ['instagram_account_id'], secrets: ['page_access_token'] });
}
