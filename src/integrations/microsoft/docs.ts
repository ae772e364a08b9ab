/** The setup guide of the `microsoft` connector, with this deployment's redirect URI. */
export function microsoftDocs(redirectUri: string) {
  const en = `## Microsoft 365: Outlook mail, Outlook calendar and OneDrive

Lets the agent read and send Outlook mail, read the calendar, offer free slots and book
appointments, and find files in OneDrive — connected with one click (OAuth), also for
Microsoft 365 tenants where IMAP and app passwords are switched off.

1. Open the [Microsoft Entra admin center](https://entra.microsoft.com/) → **App
   registrations → New registration**. Supported account types: your organization only
   (then enter its tenant id or domain under **Tenant** here) or any organization
   (\`organizations\`) or also personal accounts (\`common\`, the default).
2. **Redirect URI**: platform **Web**, exactly:

   \`${redirectUri}\`

3. **Certificates & secrets → New client secret**; copy its **Value** (shown once).
4. **API permissions → Microsoft Graph → Delegated**: \`Mail.Read\`, \`Mail.Send\`,
   \`Calendars.ReadWrite\`, \`Files.Read\` (only those of the services you enable) and
   \`offline_access\`. Grant admin consent if your organization requires it.
5. Copy the **Application (client) ID** and the secret into the fields here. **Services**: a
   comma-separated choice of \`outlook_mail\`, \`outlook_calendar\`, \`onedrive\` (empty:
   all). **Shared folder** (optional): a OneDrive folder path (e.g. \`Customers/Prices\`)
   that customers may search; without it only staff can search files.
6. Save, **Test** (checks the client id and secret), then **Connect with Microsoft**.

Tokens are stored encrypted and refreshed before they expire. Microsoft's identity platform
has no endpoint to revoke a single grant: **Disconnect** deletes the tokens here; to withdraw
the consent itself, remove the app at [myapps.microsoft.com](https://myapps.microsoft.com) or
in Entra. If Microsoft refuses a refresh, the connector shows *error*, staff get one notice,
and **Connect** again restores it.`;
  const de = `## Microsoft 365: Outlook-Mail, Outlook-Kalender und OneDrive

Damit kann der Agent Outlook-Mails lesen und senden, den Kalender lesen, freie Termine
anbieten und buchen sowie Dateien in OneDrive finden — mit einem Klick verbunden (OAuth), auch
in Microsoft-365-Mandanten, in denen IMAP und App-Passwörter abgeschaltet sind.

1. Öffne das [Microsoft Entra Admin Center](https://entra.microsoft.com/) → **App-
   Registrierungen → Neue Registrierung**. Unterstützte Kontotypen: nur deine Organisation
   (dann hier unter **Tenant** deren Mandanten-ID oder Domain eintragen), jede Organisation
   (\`organizations\`) oder auch private Konten (\`common\`, der Standard).
2. **Umleitungs-URI**: Plattform **Web**, genau:

   \`${redirectUri}\`

3. **Zertifikate & Geheimnisse → Neuer geheimer Clientschlüssel**; den **Wert** kopieren
   (wird nur einmal angezeigt).
4. **API-Berechtigungen → Microsoft Graph → Delegiert**: \`Mail.Read\`, \`Mail.Send\`,
   \`Calendars.ReadWrite\`, \`Files.Read\` (nur die der gewünschten Dienste) und
   \`offline_access\`. Administratorzustimmung erteilen, falls deine Organisation sie verlangt.
5. **Anwendungs-ID (Client-ID)** und den Schlüssel hier eintragen. **Dienste**: durch Kommas
   getrennt \`outlook_mail\`, \`outlook_calendar\`, \`onedrive\` (leer: alle). **Geteilter
   Ordner** (optional): ein OneDrive-Ordnerpfad (z. B. \`Kunden/Preise\`), den Kunden
   durchsuchen dürfen; ohne ihn suchen nur Mitarbeitende Dateien.
6. Speichern, **Testen** (prüft Client-ID und Schlüssel), dann **Mit Microsoft verbinden**.

Tokens werden verschlüsselt gespeichert und vor Ablauf erneuert. Microsofts Identitätsplattform
bietet keinen Endpunkt, um einen einzelnen Zugriff zu widerrufen: **Trennen** löscht die Tokens
hier; die Zustimmung selbst entziehst du unter [myapps.microsoft.com](https://myapps.microsoft.com)
oder in Entra. Lehnt Microsoft eine Erneuerung ab, zeigt der Connector *error*, das Team bekommt
eine Nachricht, und erneutes **Verbinden** stellt ihn wieder her.`;
  return { en, de };
}
