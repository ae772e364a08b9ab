/**
 * A loopback Google: OAuth 2.0 (`/o/oauth2/v2/auth`, `/token`, `/revoke`) and the REST shapes
 * of Gmail v1, Calendar v3 and Drive v3 that the tools use, behind the access tokens it
 * issued. Point GOOGLE_OAUTH2_URL and GOOGLE_API_URL at `url`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, writeJson } from './http.ts';
import { createFakeOAuth, type FakeOAuth, serveOAuthProvider } from './oauth-server.ts';

export interface FakeMail {
  id: string;
  from: string;
  to: string;
  subject: string;
  snippet: string;
  /** Epoch ms. */
  date: number;
  labels: string[];
  messageId?: string;
}

export interface FakeEvent {
  id: string;
  summary: string;
  start: string;
  end: string;
  contact?: string;
}

export interface FakeFile {
  name: string;
  parent: string;
  link: string;
  modified: string;
}

export interface FakeGoogle {
  url: string;
  oauth: FakeOAuth;
  mails: FakeMail[];
  events: FakeEvent[];
  files: FakeFile[];
  /** API requests (method and path) that carried a live token. */
  calls: string[];
  close(): Promise<void>;
}

function header(raw: string, name: string): string {
  const match = new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(raw.split(/\r?\n\r?\n/)[0] ?? '');
  return match?.[1]?.trim() ?? '';
}

/** Gmail search, as far as the tools use it: in:inbox, is:unread, {from:a to:a}, rfc822msgid:x. */
function matches(mail: FakeMail, query: string): boolean {
  if (query.includes('in:inbox') && !mail.labels.includes('INBOX')) return false;
  if (query.includes('is:unread') && !mail.labels.includes('UNREAD')) return false;
  const id = /rfc822msgid:(\S+)/.exec(query)?.[1];
  if (id && mail.messageId?.replace(/[<>]/g, '') !== id) return false;
  const any = /\{([^}]*)\}/.exec(query)?.[1];
  if (any) {
    const terms = any.split(' ').filter(Boolean);
    return terms.some((term) => {
      const [field, value] = term.split(':');
      return (field === 'from' ? mail.from : mail.to).toLowerCase().includes((value ?? '').toLowerCase());
    });
  }
  return true;
}

export async function startFakeGoogle(): Promise<FakeGoogle> {
  const oauth = createFakeOAuth({
    authorize: /^\/o\/oauth2\/v2\/auth$/,
    token: /^\/token$/,
    revoke: /^\/revoke$/,
  });
  const mails: FakeMail[] = [];
  const events: FakeEvent[] = [];
  const files: FakeFile[] = [];
  const calls: string[] = [];

  async function api(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
    const path = url.pathname;
    const method = request.method ?? 'GET';
    const reply = (status: number, body: unknown) => writeJson(response, { status, body });
    if (!oauth.authorized(request)) {
      reply(401, {
        error: {
          code: 401,
          message: 'Request had invalid authentication credentials.',
          status: 'UNAUTHENTICATED',
        },
      });
      return;
    }
    calls.push(`${method} ${path}`);
    const body = method === 'POST' ? JSON.parse((await readBody(request)) || '{}') : undefined;
    const gmail = '/gmail/v1/users/me/messages';
    if (method === 'GET' && path === gmail) {
      const query = url.searchParams.get('q') ?? '';
      const found = mails
        .filter((mail) => matches(mail, query))
        .sort((a, b) => b.date - a.date)
        .slice(0, Number(url.searchParams.get('maxResults') ?? 100));
      reply(200, {
        messages: found.map((mail) => ({ id: mail.id, threadId: mail.id })),
        resultSizeEstimate: found.length,
      });
      return;
    }
    if (method === 'GET' && path.startsWith(`${gmail}/`)) {
      const mail = mails.find((entry) => entry.id === decodeURIComponent(path.slice(gmail.length + 1)));
      if (!mail) return reply(404, { error: { code: 404, message: 'Requested entity was not found.' } });
      reply(200, {
        id: mail.id,
        labelIds: mail.labels,
        snippet: mail.snippet,
        internalDate: String(mail.date),
        payload: {
          headers: [
            { name: 'From', value: mail.from },
            { name: 'To', value: mail.to },
            { name: 'Subject', value: mail.subject },
          ],
        },
      });
      return;
    }
    if (method === 'POST' && path === `${gmail}/send`) {
      const raw = Buffer.from(String(body.raw), 'base64url').toString('utf8');
      const mail: FakeMail = {
        id: `sent-${mails.length + 1}`,
        from: 'shop@example.com',
        to: header(raw, 'To'),
        subject: header(raw, 'Subject'),
        snippet: '',
        date: Date.now(),
        labels: ['SENT'],
        messageId: header(raw, 'Message-ID'),
      };
      mails.push(mail);
      reply(200, { id: mail.id, threadId: mail.id, labelIds: ['SENT'] });
      return;
    }
    const calendar = '/calendar/v3/calendars/primary/events';
    const asGoogle = (event: FakeEvent) => ({
      id: event.id,
      status: 'confirmed',
      summary: event.summary,
      start: { dateTime: event.start },
      end: { dateTime: event.end },
      ...(event.contact ? { extendedProperties: { private: { switchboardContact: event.contact } } } : {}),
    });
    const overlapping = (from: string, to: string) =>
      events.filter(
        (event) => Date.parse(event.start) < Date.parse(to) && Date.parse(event.end) > Date.parse(from),
      );
    if (method === 'GET' && path === calendar) {
      const found = overlapping(url.searchParams.get('timeMin') ?? '', url.searchParams.get('timeMax') ?? '');
      reply(200, { kind: 'calendar#events', items: found.map(asGoogle) });
      return;
    }
    if (method === 'GET' && path.startsWith(`${calendar}/`)) {
      const event = events.find((entry) => entry.id === path.slice(calendar.length + 1));
      return event ? reply(200, asGoogle(event)) : reply(404, { error: { code: 404, message: 'Not Found' } });
    }
    if (method === 'POST' && path === calendar) {
      if (!/^[a-v0-9]{5,1024}$/.test(String(body.id)))
        return reply(400, { error: { code: 400, message: 'Invalid resource id value.' } });
      if (events.some((entry) => entry.id === body.id))
        return reply(409, { error: { code: 409, message: 'The requested identifier already exists.' } });
      const event: FakeEvent = {
        id: body.id,
        summary: body.summary,
        start: body.start.dateTime,
        end: body.end.dateTime,
        contact: body.extendedProperties?.private?.switchboardContact,
      };
      events.push(event);
      reply(200, asGoogle(event));
      return;
    }
    if (method === 'POST' && path === '/calendar/v3/freeBusy') {
      const busy = overlapping(body.timeMin, body.timeMax).map((event) => ({
        start: event.start,
        end: event.end,
      }));
      reply(200, { kind: 'calendar#freeBusy', calendars: { primary: { busy } } });
      return;
    }
    if (method === 'GET' && path === '/drive/v3/files') {
      const query = url.searchParams.get('q') ?? '';
      const name = /name contains '([^']*)'/.exec(query)?.[1]?.toLowerCase() ?? '';
      const parent = /'([^']*)' in parents/.exec(query)?.[1];
      const found = files.filter(
        (file) => file.name.toLowerCase().includes(name) && (parent === undefined || file.parent === parent),
      );
      reply(200, {
        files: found.map((file) => ({
          name: file.name,
          webViewLink: file.link,
          modifiedTime: file.modified,
        })),
      });
      return;
    }
    reply(404, { error: { code: 404, message: `no fake for ${method} ${path}` } });
  }

  const server = await serveOAuthProvider(oauth, api);
  return {
    ...server,
    oauth,
    mails,
    events,
    files,
    calls,
  };
}
