/** The setup guide of the `google` connector, with this deployment's redirect URI. */
export function googleDocs(redirectUri: string) {
  const en = `## Google: Gmail, Calendar and Drive

Lets the agent read and send mail with Gmail, read the calendar, offer free slots and book
appointments in Google Calendar, and find files in Google Drive — connected with one click
(OAuth), no app password.

1. Open the [Google Cloud console](https://console.cloud.google.com/), create or choose a
   project, and under **APIs & Services → Library** enable the **Gmail API**, the **Google
   Calendar API** and the **Google Drive API** (only those you want).
2. **OAuth consent screen**: user type *Internal* for a Google Workspace, else *External*
   (add yourself as a test user while the app is in testing).
3. **Credentials → Create credentials → OAuth client ID**, type **Web application**. Under
   **Authorized redirect URIs** add exactly:

   \`${redirectUri}\`

4. Copy the **Client ID** and **Client secret** into the fields here. **Services**: a
   comma-separated choice of \`gmail\`, \`google_calendar\`, \`google_drive\` (empty: all).
   **Shared folder** (optional): the id of a Drive folder (the last part of its URL) that
   customers may search; without it only staff can search files.
5. Save, then **Test** (checks the client id and secret), then **Connect with Google** and
   allow the access Google asks for.

Scopes, the narrowest that serve the tools: \`gmail.readonly\` and \`gmail.send\`;
\`calendar.events\` and \`calendar.freebusy\`; \`drive.metadata.readonly\` (names and links,
never file content). Tokens are stored encrypted and refreshed before they expire.
**Disconnect** revokes the grant at Google and deletes the tokens. If Google refuses a
refresh (access removed, password changed), the connector shows *error*, staff get one
notice, and **Connect** again restores it.`;
  const de = `## Google: Gmail, Kalender und Drive

Damit kann der Agent mit Gmail Mails lesen und senden, den Kalender lesen, freie Termine
anbieten und in Google Kalender buchen sowie Dateien in Google Drive finden — mit einem Klick
verbunden (OAuth), ohne App-Passwort.

1. Öffne die [Google Cloud Console](https://console.cloud.google.com/), lege ein Projekt an
   oder wähle eines, und aktiviere unter **APIs & Dienste → Bibliothek** die **Gmail API**, die
   **Google Calendar API** und die **Google Drive API** (nur die gewünschten).
2. **OAuth-Zustimmungsbildschirm**: Nutzertyp *Intern* für Google Workspace, sonst *Extern*
   (solange die App im Test ist, dich selbst als Testnutzer eintragen).
3. **Anmeldedaten → Anmeldedaten erstellen → OAuth-Client-ID**, Typ **Webanwendung**. Unter
   **Autorisierte Weiterleitungs-URIs** genau diese eintragen:

   \`${redirectUri}\`

4. **Client-ID** und **Clientschlüssel** hier eintragen. **Dienste**: durch Kommas getrennt
   \`gmail\`, \`google_calendar\`, \`google_drive\` (leer: alle). **Geteilter Ordner**
   (optional): die ID eines Drive-Ordners (letzter Teil seiner URL), den Kunden durchsuchen
   dürfen; ohne ihn suchen nur Mitarbeitende Dateien.
5. Speichern, **Testen** (prüft Client-ID und Schlüssel), dann **Mit Google verbinden** und
   den Zugriff erlauben, den Google erfragt.

Berechtigungen, die engsten, die den Werkzeugen genügen: \`gmail.readonly\` und
\`gmail.send\`; \`calendar.events\` und \`calendar.freebusy\`; \`drive.metadata.readonly\`
(Namen und Links, nie Dateiinhalte). Tokens werden verschlüsselt gespeichert und vor Ablauf
erneuert. **Trennen** widerruft den Zugriff bei Google und löscht die Tokens. Lehnt Google eine
Erneuerung ab (Zugriff entzogen, Passwort geändert), zeigt der Connector *error*, das Team
bekommt eine Nachricht, und erneutes **Verbinden** stellt ihn wieder her.`;
  return { en, de };
}
