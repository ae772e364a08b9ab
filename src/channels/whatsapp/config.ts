import type { ConnectorDefinition, ConnectorValues } from '../../core/connector.ts';
import { AppError } from '../../core/errors.ts';
import { appSecretField, prepareMetaConfig, verifyTokenField } from '../meta/config.ts';

/** Meta's template names: lowercase letters, digits and underscores. */
const TEMPLATE_NAME_PATTERN = /^[a-z0-9_]{1,512}$/;

/** Meta's template language codes: `en`, `de`, `en_US`, `pt_BR`, `zh_Hant_HK` … */
const TEMPLATE_LANGUAGE_PATTERN = /^[a-z]{2,3}(_[A-Za-z]{2,4}){0,2}$/;

const docsEnglish = `## Connect WhatsApp (Cloud API)

You need a Meta app with the **WhatsApp** product and a business phone number registered
with the Cloud API.

1. In the Meta app dashboard open **WhatsApp → API setup**. Copy the **Phone number ID** (a
   long number, not the phone number itself) into **Phone number ID**.
2. Create a permanent token: in Business settings add a **system user**, give it the app and
   your WhatsApp account with full control, and generate a token with the permissions
   \`whatsapp_business_messaging\` and \`whatsapp_business_management\`. Paste it into
   **Access token**. Temporary tokens from the API setup page expire after a day.
3. Copy the **App secret** from **App settings → Basic** into **App secret**. Switchboard
   checks the signature of every webhook with it; without it nothing from Meta is accepted.
4. Save. Switchboard fills in a **Verify token** if you left it empty.
5. In **WhatsApp → Configuration** set the callback URL to
   \`<PUBLIC_URL>/webhook/whatsapp/<tenant slug>\`, paste the verify token, click
   **Verify and save**, then subscribe to the **messages** field.

**The 24-hour window.** WhatsApp allows free-form replies only within 24 hours of the
customer's last message. Later replies need a template approved by Meta: put its name into
**Template name** and its language code (for example \`en_US\` or \`de\`) into **Template
language**, and Switchboard sends that template instead. Without a template such a reply
waits with the status \`needs_template\` in the transcript and goes out as soon as the
customer writes again.

Customers see their messages marked as read and a typing indicator while the reply is
written. **Test** asks Meta for the phone number behind the ID and shows it with its
verified business name; an error names what is missing or wrong.`;

const docsGerman = `## WhatsApp verbinden (Cloud API)

Du brauchst eine Meta-App mit dem Produkt **WhatsApp** und eine Unternehmens-Telefonnummer,
die für die Cloud API registriert ist.

1. Öffne im Meta-App-Dashboard **WhatsApp → API-Einrichtung**. Kopiere die
   **Telefonnummern-ID** (eine lange Zahl, nicht die Telefonnummer selbst) in das Feld
   **Phone number ID**.
2. Erzeuge ein dauerhaftes Token: Lege in den Unternehmenseinstellungen einen
   **Systembenutzer** an, gib ihm die App und dein WhatsApp-Konto mit voller Kontrolle und
   erzeuge ein Token mit den Berechtigungen \`whatsapp_business_messaging\` und
   \`whatsapp_business_management\`. Füge es unter **Access token** ein. Die vorläufigen
   Tokens der Einrichtungsseite laufen nach einem Tag ab.
3. Kopiere das **App-Geheimnis** aus **App-Einstellungen → Allgemeines** in das Feld **App
   secret**. Damit prüft Switchboard die Signatur jedes Webhooks; ohne das Geheimnis wird
   nichts von Meta angenommen.
4. Speichern. Ist **Verify token** leer, erzeugt Switchboard einen.
5. Trage unter **WhatsApp → Konfiguration** als Callback-URL
   \`<PUBLIC_URL>/webhook/whatsapp/<Mandanten-Kürzel>\` ein, füge den Verify-Token ein,
   klicke **Überprüfen und speichern** und abonniere das Feld **messages**.

**Das 24-Stunden-Fenster.** WhatsApp erlaubt freie Antworten nur innerhalb von 24 Stunden
nach der letzten Nachricht des Kunden. Spätere Antworten brauchen eine von Meta genehmigte
Vorlage: Trage ihren Namen unter **Template name** und ihren Sprachcode (zum Beispiel
\`de\` oder \`en_US\`) unter **Template language** ein, dann sendet Switchboard stattdessen
diese Vorlage. Ohne Vorlage wartet eine solche Antwort im Verlauf mit dem Status
\`needs_template\` und wird gesendet, sobald der Kunde wieder schreibt.

Kunden sehen ihre Nachrichten als gelesen markiert und eine Tipp-Anzeige, während die Antwort
entsteht. **Testen** fragt Meta nach der Telefonnummer hinter der ID und zeigt sie mit dem
bestätigten Unternehmensnamen an; ein Fehler nennt, was fehlt oder falsch ist.`;

/** The WhatsApp Cloud API connector: the fields staff fill in and the setup guide beside them. */
export const whatsappConnector: ConnectorDefinition = {
  id: 'whatsapp',
  name: 'WhatsApp',
  category: 'messaging',
  fields: [
    {
      key: 'phone_number_id',
      label: 'Phone number ID',
      required: true,
      secret: false,
      description: 'The ID of the business phone number (WhatsApp → API setup), not the number itself.',
    },
    {
      key: 'access_token',
      label: 'Access token',
      required: true,
      secret: true,
      description: 'A system user token with whatsapp_business_messaging.',
    },
    verifyTokenField,
    appSecretField,
    {
      key: 'template_name',
      label: 'Template name',
      required: false,
      secret: false,
      description: 'Approved template sent instead of a reply after the 24-hour window has closed.',
    },
    {
      key: 'template_language',
      label: 'Template language',
      required: false,
      secret: false,
      description: 'Language code of that template, e.g. en_US or de (default en).',
    },
  ],
  docs: { en: docsEnglish, de: docsGerman },
};

/**
 * Checks the values staff entered and fills in a verify token when none was given.
 * Throws AppError('VALIDATION_FAILED') naming the first field that cannot work.
 */
export function prepareWhatsAppConfig(values: ConnectorValues): ConnectorValues {
  const prepared = prepareMetaConfig(values, { ids: ['phone_number_id'], secrets: ['access_token'] });
  const templateName = prepared.template_name;
  if (templateName !== undefined && templateName !== '' && !TEMPLATE_NAME_PATTERN.test(templateName)) {
    throw new AppError(
      'VALIDATION_FAILED',
      'template_name must be the template name as Meta shows it: lowercase letters, digits and _',
    );
  }
  const language = prepared.template_language;
  if (language !== undefined && language !== '' && !TEMPLATE_LANGUAGE_PATTERN.test(language)) {
    throw new AppError(
      'VALIDATION_FAILED',
      'template_language must be a language code such as en, de or en_US',
    );
  }
  return prepared;
}
