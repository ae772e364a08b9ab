/** The setup guide for the SMS connector, in English. */
export const smsDocsEnglish = `## Connect an SMS number (Twilio)

1. In the Twilio Console, open the account's home page and copy **Account SID** and **Auth
   Token** into the fields of the same name. Treat the token like a password. Twilio also
   signs every webhook with it: after you rotate the token in Twilio, enter the new one here
   at once, or Switchboard refuses every message that arrives.
2. **SMS number** is the Twilio number your customers text, written in E.164 form
   (\`+15550009999\`). It must belong to this account.
3. Optional, **Messaging Service SID** (\`MG…\`): replies then go out through that service
   instead of straight from the number.
4. Save. Switchboard checks the credentials and looks the number up in your account.
   Without a Messaging Service it also points the number's "A message comes in" webhook at
   \`<PUBLIC_URL>/webhook/sms/<tenant slug>\` (HTTP POST). With a Messaging Service, enter
   that address yourself in the service's *Integration* settings under "Send a webhook"; the
   details shown after saving list it. Delivery reports come back to the same address with
   \`/status\` appended, and Switchboard requests them with every reply.
   \`PUBLIC_URL\` must be reachable from the internet and must be exactly the address Twilio
   calls, because the signature covers it. Save again whenever \`PUBLIC_URL\` changes.

**Opting out.** A text that consists of only STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT,
REVOKE or OPTOUT (any capitalization) marks the customer as opted out: nothing is sent to
them again until they text START, YES or UNSTOP. Their message still appears in the
conversation. HELP or INFO is answered with the **HELP answer** field. If Twilio's Advanced
Opt-Out is switched on for your Messaging Service, set **Advanced Opt-Out** to \`true\`:
Twilio then answers these keywords itself and Switchboard sends nothing of its own.

**Long replies.** An SMS is sent in segments of 160 plain characters (153 each when a
message needs several), or only 70 (67) when the text needs Unicode, for example an emoji
or typographic quotes. Switchboard keeps every message at 10 segments or fewer (up to 1,530
plain or 670 Unicode characters) and splits longer replies between paragraphs, sentences or
words. The parts are sent in order, one per second, which is the rate a single long-code
number may send at.

**Test** fetches the account from Twilio and shows its name and status. An error there
means the Account SID or Auth Token is wrong, or Twilio cannot be reached from this server.`;

/** The setup guide for the SMS connector, in German. */
export const smsDocsGerman = `## SMS-Nummer verbinden (Twilio)

1. Öffne in der Twilio Console die Startseite des Kontos und kopiere **Account SID** und
   **Auth Token** in die gleichnamigen Felder. Behandle das Token wie ein Passwort. Twilio
   signiert damit auch jeden Webhook: Wenn du das Token bei Twilio erneuerst, trage das neue
   sofort hier ein, sonst weist Switchboard jede eingehende Nachricht ab.
2. **SMS-Nummer** ist die Twilio-Nummer, an die deine Kundschaft schreibt, im Format E.164
   (\`+15550009999\`). Sie muss zu diesem Konto gehören.
3. Optional, **Messaging Service SID** (\`MG…\`): Antworten gehen dann über diesen Dienst
   hinaus statt direkt von der Nummer.
4. Speichern. Switchboard prüft die Zugangsdaten und sucht die Nummer in deinem Konto. Ohne
   Messaging Service trägt es außerdem beim Webhook „A message comes in“ der Nummer die
   Adresse \`<PUBLIC_URL>/webhook/sms/<Mandanten-Kürzel>\` (HTTP POST) ein. Mit Messaging
   Service trägst du diese Adresse selbst in den *Integration*-Einstellungen des Dienstes
   unter „Send a webhook“ ein; die Details nach dem Speichern nennen sie. Zustellberichte
   kommen an dieselbe Adresse mit angehängtem \`/status\` zurück; Switchboard fordert sie bei
   jeder Antwort an. \`PUBLIC_URL\` muss aus dem Internet erreichbar sein und genau die
   Adresse sein, die Twilio aufruft, denn die Signatur deckt sie ab. Speichere erneut,
   sobald sich \`PUBLIC_URL\` ändert.

**Abmelden.** Eine Nachricht, die nur aus STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT,
REVOKE oder OPTOUT besteht (Groß- und Kleinschreibung egal), meldet die Person ab: Sie
erhält nichts mehr, bis sie START, YES oder UNSTOP schreibt. Ihre Nachricht erscheint
trotzdem im Gespräch. Auf HELP oder INFO antwortet Switchboard mit dem Text aus **HELP-Antwort**.
Ist bei deinem Messaging Service das Advanced Opt-Out von Twilio eingeschaltet, setze
**Advanced Opt-Out** auf \`true\`: Dann beantwortet Twilio diese Schlüsselwörter selbst, und
Switchboard schickt keine eigene Antwort.

**Lange Antworten.** Eine SMS besteht aus Segmenten zu 160 einfachen Zeichen (153, wenn
eine Nachricht mehrere braucht) oder nur 70 (67), sobald der Text Unicode braucht, etwa für
ein Emoji oder typografische Anführungszeichen. Switchboard hält jede Nachricht bei
höchstens 10 Segmenten (bis zu 1.530 einfache oder 670 Unicode-Zeichen) und teilt längere
Antworten zwischen Absätzen, Sätzen oder Wörtern. Die Teile gehen der Reihe nach hinaus,
einer pro Sekunde – so schnell darf eine einzelne Langnummer senden.

**Testen** ruft das Konto bei Twilio ab und zeigt Namen und Status. Ein Fehler bedeutet,
dass Account SID oder Auth Token falsch sind oder Twilio von diesem Server aus nicht
erreichbar ist.`;
