/** The setup guide for the voice connector, in English. */
export const voiceDocsEnglish = `## Connect a phone number (Twilio Voice)

Callers reach the same agent as your text channels, with the same tools, and their calls
appear in the same customer history as their SMS and WhatsApp messages.

1. **Account SID** and **Auth Token**: leave both empty to use the SMS connector's Twilio
   account, or enter another account's pair. The token also signs every call webhook.
2. **Voice number**: the Twilio number callers dial, in E.164 form (\`+15550009999\`).
3. **Mode**:
   - \`conversation_relay\` (default): Twilio turns speech into text and text into speech
     (ConversationRelay); the text agent answers, sentence by sentence, so speaking starts
     early. It works with the offline agent and without a model key.
   - \`media_stream\`: the call's audio goes both ways to a realtime speech model (the
     \`llm\` connector's key; the operator sets the realtime endpoint).
4. **Language** (default \`en-US\`), **Voice** and **Greeting**: how the line speaks and
   what it says first.
5. **Staff number**: when a caller asks for a person, the call is transferred there.
6. In the Twilio Console open *Phone Numbers → Manage → Active numbers → your number →
   Voice configuration*. Under "A call comes in" choose *Webhook*, HTTP POST, and enter
   \`<PUBLIC_URL>/voice/incoming/<tenant slug>\`. Under "Call status changes" enter
   \`<PUBLIC_URL>/voice/status/<tenant slug>\`.

Switchboard answers each call with TwiML that connects it to
\`wss://<your host>/voice/relay/<tenant slug>\` (ConversationRelay) or
\`wss://<your host>/voice/stream/<tenant slug>\` (Media Streams), with a short-lived value
for this call alone. Every webhook and the socket's opening request must carry a valid
\`X-Twilio-Signature\` for the exact URL Twilio calls, so \`PUBLIC_URL\` must be the address
Twilio uses, over HTTPS.

**Test** fetches the account from Twilio and looks the voice number up in it.`;

/** The setup guide for the voice connector, in German. */
export const voiceDocsGerman = `## Telefonnummer verbinden (Twilio Voice)

Anrufende erreichen denselben Agenten wie auf deinen Textkanälen, mit denselben Tools, und
ihre Anrufe erscheinen im selben Kundenverlauf wie ihre SMS und WhatsApp-Nachrichten.

1. **Account SID** und **Auth Token**: Lass beide leer, um das Twilio-Konto des
   SMS-Connectors zu nutzen, oder trage das Paar eines anderen Kontos ein. Der Token
   signiert auch jeden Anruf-Webhook.
2. **Voice-Nummer**: die Twilio-Nummer, die Anrufende wählen, im E.164-Format
   (\`+15550009999\`).
3. **Modus**:
   - \`conversation_relay\` (Standard): Twilio wandelt Sprache in Text und Text in Sprache
     (ConversationRelay); der Text-Agent antwortet Satz für Satz, so beginnt das Sprechen
     früh. Das funktioniert mit dem Offline-Agenten und ohne Modell-Schlüssel.
   - \`media_stream\`: Das Audio des Anrufs geht in beide Richtungen an ein
     Echtzeit-Sprachmodell (Schlüssel des \`llm\`-Connectors; den Echtzeit-Endpunkt legt der
     Betreiber fest).
4. **Sprache** (Standard \`en-US\`), **Stimme** und **Begrüßung**: wie die Leitung spricht
   und was sie zuerst sagt.
5. **Mitarbeiternummer**: Wenn jemand nach einem Menschen fragt, wird der Anruf dorthin
   weitergeleitet.
6. Öffne in der Twilio Console *Phone Numbers → Manage → Active numbers → deine Nummer →
   Voice configuration*. Wähle bei "A call comes in" *Webhook*, HTTP POST, und trage
   \`<PUBLIC_URL>/voice/incoming/<Tenant-Slug>\` ein. Bei "Call status changes" trage
   \`<PUBLIC_URL>/voice/status/<Tenant-Slug>\` ein.

Switchboard beantwortet jeden Anruf mit TwiML, das ihn mit
\`wss://<dein Host>/voice/relay/<Tenant-Slug>\` (ConversationRelay) oder
\`wss://<dein Host>/voice/stream/<Tenant-Slug>\` (Media Streams) verbindet, mit einem kurzlebigen
Wert nur für diesen Anruf. Jeder Webhook und die öffnende Anfrage des Sockets brauchen eine
gültige \`X-Twilio-Signature\` für genau die URL, die Twilio aufruft; \`PUBLIC_URL\` muss also
die Adresse sein, die Twilio per HTTPS nutzt.

**Testen** ruft das Konto bei Twilio ab und sucht die Voice-Nummer darin.`;
