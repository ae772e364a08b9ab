import type { ConnectorDefinition, ConnectorValues } from '../../core/connector.ts';
import { AppError } from '../../core/errors.ts';

/** Where the gateway keeps which tenant a stored configuration belongs to (a read-only detail). */
export const TENANT_FIELD = 'tenant_id';

/** How long the agent stays silent after the business wrote from its phone, by default. */
export const DEFAULT_HUMAN_PAUSE_MINUTES = 30;

const docsEnglish = `## Link WhatsApp by QR code

QR mode links the business's own WhatsApp (or WhatsApp Business app) as a device, the way
WhatsApp Web does. No Meta registration, no API keys.

1. Open **Integrations → WhatsApp (QR)** and press **Show QR code & connect**.
2. On the phone: WhatsApp → Settings (or ⋮) → **Linked devices** → **Link a device**.
3. Scan the code. It changes every 20 seconds or so; the page always shows the current one.
   Instead of scanning you can enter the phone number and type the pairing code shown here
   on the phone (**Link with phone number instead**).
4. The card then shows the linked number, since when it is linked and the last event.

The phone must stay online for the link to keep working. **Log out** (here, or on the phone
under Linked devices) ends the link; a new one needs a new QR code.

When you answer a customer yourself from the phone, the agent stays silent in that
conversation for **Pause after a reply from the phone** minutes (default 30) or until staff
hand it back.

WhatsApp has no official limits for linked devices and bans numbers that send like bots:
replies go out at most 20 a minute per number, spaced irregularly, with "typing…" shown first.
This mode is not an official Meta API; for high volumes use the Cloud API connector.`;

const docsGerman = `## WhatsApp per QR-Code verknüpfen

Der QR-Modus verknüpft das eigene WhatsApp (oder WhatsApp Business) des Unternehmens als
Gerät, wie WhatsApp Web. Keine Meta-Registrierung, keine API-Schlüssel.

1. Öffne **Integrationen → WhatsApp (QR)** und klicke auf **QR-Code anzeigen & verbinden**.
2. Auf dem Smartphone: WhatsApp → Einstellungen (oder ⋮) → **Verknüpfte Geräte** → **Gerät hinzufügen**.
3. Scanne den Code. Er wechselt etwa alle 20 Sekunden; die Seite zeigt immer den aktuellen.
   Statt zu scannen kannst du die Telefonnummer eingeben und den hier angezeigten
   Kopplungscode auf dem Smartphone eintippen (**Stattdessen mit Telefonnummer verknüpfen**).
4. Die Karte zeigt danach die verknüpfte Nummer, seit wann sie verknüpft ist und das letzte Ereignis.

Das Smartphone muss online bleiben, damit die Verknüpfung funktioniert. **Abmelden** (hier
oder auf dem Smartphone unter Verknüpfte Geräte) beendet sie; danach braucht es einen neuen QR-Code.

Antwortest du einem Kunden selbst vom Smartphone, schweigt der Agent in diesem Gespräch für
**Pause nach Antwort vom Smartphone** Minuten (Standard 30) oder bis das Team es zurückgibt.

WhatsApp nennt für verknüpfte Geräte keine offiziellen Grenzen und sperrt Nummern, die wie
Bots senden: Antworten gehen mit höchstens 20 pro Minute und Nummer hinaus, in
unregelmäßigen Abständen und mit vorheriger „schreibt…“-Anzeige. Dieser Modus ist keine
offizielle Meta-API; für große Mengen nimm den Cloud-API-Connector.`;

/** WhatsApp linked as a device by QR code: no credentials, one optional setting. */
export const whatsappQrConnector: ConnectorDefinition = {
  id: 'whatsapp_qr',
  name: 'WhatsApp (QR)',
  category: 'messaging',
  fields: [
    {
      key: 'human_pause_minutes',
      label: 'Pause after a reply from the phone (minutes)',
      required: false,
      secret: false,
      description: `The agent stays silent this long after the business wrote from its phone (default ${DEFAULT_HUMAN_PAUSE_MINUTES}).`,
    },
  ],
  docs: { en: docsEnglish, de: docsGerman },
};

/** Throws AppError('VALIDATION_FAILED') when the pause is not a whole number of minutes (0–10080). */
export function prepareWhatsAppQrConfig(values: ConnectorValues): ConnectorValues {
  const pause = values.human_pause_minutes;
  if (pause !== undefined && pause !== '' && !(/^\d{1,5}$/.test(pause) && Number(pause) <= 10_080)) {
    throw new AppError(
      'VALIDATION_FAILED',
      'human_pause_minutes must be a whole number of minutes from 0 to 10080 (a week)',
    );
  }
  return values;
}

/** The pause after a reply from the phone, in milliseconds. */
export function humanPauseMs(values: ConnectorValues | undefined): number {
  const minutes = Number(values?.human_pause_minutes ?? DEFAULT_HUMAN_PAUSE_MINUTES);
  return (Number.isFinite(minutes) ? minutes : DEFAULT_HUMAN_PAUSE_MINUTES) * 60_000;
}
