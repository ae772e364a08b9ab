import { randomBytes } from 'node:crypto';
import type { ConnectorDefinition, ConnectorValues } from '../../core/connector.ts';
import { AppError } from '../../core/errors.ts';

/** Telegram accepts 1–256 characters of `A-Z a-z 0-9 _ -` as a webhook secret token. */
const WEBHOOK_SECRET_PATTERN = /^[A-Za-z0-9_-]{1,256}$/;

/**
 * BotFather tokens are `<bot id>:<secret>`. Checking the shape also keeps a pasted value
 * from changing the request path, because the token becomes part of every API URL.
 */
const BOT_TOKEN_PATTERN = /^\d+:[A-Za-z0-9_-]+$/;

/** Telegram chat ids are integers; groups and channels are negative. */
const CHAT_ID_PATTERN = /^-?\d+$/;

const docsEnglish = `## Connect a Telegram bot

1. In Telegram, open a chat with **@BotFather** and send \`/newbot\`. Choose a display name,
   then a username that ends in \`bot\` (for example \`acme_support_bot\`).
2. BotFather answers with an access token that looks like \`123456789:AAH...\`. Copy it and
   paste it into **Bot token**. Treat it like a password: anyone holding it controls the bot.
3. Save. Switchboard creates a random webhook secret (unless you entered one) and registers
   the webhook with Telegram for you, at \`<PUBLIC_URL>/webhook/telegram/<tenant slug>\`.
   \`PUBLIC_URL\` must be reachable from the internet over HTTPS; Telegram only calls ports
   443, 80, 88 and 8443. Every call Telegram makes carries the secret, and calls without it
   are refused.
4. Optional, **Admin chat id**: the Telegram chat that receives notices meant for staff.
   Your private chat id is your numeric user id; bots such as @userinfobot tell you yours.
   Group ids are negative (supergroups start with \`-100\`). Send \`/start\` to your bot from
   that chat first, because a bot may only write to chats that contacted it.

In groups the bot answers only when it is addressed: a command (\`/help\` or
\`/help@acme_support_bot\`), a mention of \`@acme_support_bot\`, or a reply to one of its messages.

**Test** asks Telegram who the bot is and shows its username, for example
\`@acme_support_bot\`. An error there means the token is wrong or revoked, or Telegram cannot
be reached from this server.`;

const docsGerman = `## Telegram-Bot verbinden

1. Öffne in Telegram einen Chat mit **@BotFather** und sende \`/newbot\`. Wähle einen
   Anzeigenamen und danach einen Benutzernamen, der auf \`bot\` endet (zum Beispiel
   \`acme_support_bot\`).
2. BotFather antwortet mit einem Zugriffstoken der Form \`123456789:AAH...\`. Kopiere es in das
   Feld **Bot-Token**. Behandle es wie ein Passwort: Wer es kennt, steuert den Bot.
3. Speichern. Switchboard erzeugt ein zufälliges Webhook-Geheimnis (sofern du keines
   eingetragen hast) und meldet den Webhook selbst bei Telegram an, unter
   \`<PUBLIC_URL>/webhook/telegram/<Mandanten-Kürzel>\`. \`PUBLIC_URL\` muss aus dem Internet
   per HTTPS erreichbar sein; Telegram ruft nur die Ports 443, 80, 88 und 8443 auf. Jeder
   Aufruf von Telegram trägt das Geheimnis mit; Aufrufe ohne es werden abgewiesen.
4. Optional, **Admin-Chat-ID**: der Telegram-Chat, der Hinweise für das Team erhält. Die ID
   deines privaten Chats ist deine numerische Benutzer-ID; Bots wie @userinfobot nennen sie
   dir. Gruppen-IDs sind negativ (Supergruppen beginnen mit \`-100\`). Sende aus diesem Chat
   zuerst \`/start\` an deinen Bot, denn ein Bot darf nur Chats schreiben, die ihn angesprochen
   haben.

In Gruppen antwortet der Bot nur, wenn er gemeint ist: bei einem Befehl (\`/hilfe\` oder
\`/hilfe@acme_support_bot\`), einer Erwähnung von \`@acme_support_bot\` oder einer Antwort auf
eine seiner Nachrichten.

**Testen** fragt Telegram, wer der Bot ist, und zeigt seinen Benutzernamen an, zum Beispiel
\`@acme_support_bot\`. Ein Fehler bedeutet, dass das Token falsch oder widerrufen ist oder
Telegram von diesem Server aus nicht erreichbar ist.`;

/** The Telegram connector: the fields staff fill in and the setup guide shown beside them. */
export const telegramConnector: ConnectorDefinition = {
  id: 'telegram',
  name: 'Telegram',
  category: 'messaging',
  fields: [
    {
      key: 'bot_token',
      label: 'Bot token',
      required: true,
      secret: true,
      description: 'The token BotFather gave you, e.g. 123456789:AAH...',
    },
    {
      key: 'webhook_secret',
      label: 'Webhook secret',
      required: false,
      secret: true,
      description: 'Generated when left empty: 1–256 characters of A-Z, a-z, 0-9, _ and -.',
    },
    {
      key: 'admin_chat_id',
      label: 'Admin chat id',
      required: false,
      secret: false,
      description: 'Numeric chat id that receives notices for staff.',
    },
  ],
  docs: { en: docsEnglish, de: docsGerman },
};

/**
 * Checks the values staff entered and fills in a webhook secret when none was given.
 * Throws AppError('VALIDATION_FAILED') naming the first field that cannot work.
 */
export function prepareTelegramConfig(values: ConnectorValues): ConnectorValues {
  const token = values.bot_token;
  if (token !== undefined && token !== '' && !BOT_TOKEN_PATTERN.test(token)) {
    throw new AppError(
      'VALIDATION_FAILED',
      'bot_token must look like 123456789:AAH... (as BotFather shows it)',
    );
  }
  const secret = values.webhook_secret;
  if (secret !== undefined && secret !== '' && !WEBHOOK_SECRET_PATTERN.test(secret)) {
    throw new AppError(
      'VALIDATION_FAILED',
      'webhook_secret must be 1–256 characters of A-Z, a-z, 0-9, _ and -',
    );
  }
  const adminChatId = values.admin_chat_id;
  if (adminChatId !== undefined && adminChatId !== '' && !CHAT_ID_PATTERN.test(adminChatId)) {
    throw new AppError(
      'VALIDATION_FAILED',
      'admin_chat_id must be a whole number, e.g. 123456789 or -1001234567890',
    );
  }
  if (secret !== undefined && secret !== '') return values;
  // 32 random bytes in base64url: 43 characters, all within Telegram's allowed alphabet.
  return { ...values, webhook_secret: randomBytes(32).toString('base64url') };
}

/**
 * The bot token from a stored configuration, checked before it goes into a URL.
 * Throws AppError('VALIDATION_FAILED') when it is missing or malformed.
 */
export function readBotToken(config: ConnectorValues): string {
  const token = config.bot_token;
  if (token === undefined || token === '') {
    throw new AppError('VALIDATION_FAILED', 'bot_token is not set');
  }
  if (!BOT_TOKEN_PATTERN.test(token)) {
    throw new AppError(
      'VALIDATION_FAILED',
      'bot_token must look like 123456789:AAH... (as BotFather shows it)',
    );
  }
  return token;
}
