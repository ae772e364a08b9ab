/**
 * A loopback Microsoft: the identity platform's OAuth 2.0 endpoints
 * (`/{tenant}/oauth2/v2.0/authorize|token`, no revocation, as the real one) and the Graph v1.0
 * shapes the tools use: inbox messages, drafts and send, calendarView and events (with the
 * named-property filter and `transactionId`), and drive search. `throttle(n, seconds)` answers
 * the next n Graph requests 429 with `Retry-After`. Point MICROSOFT_LOGIN_URL and
 * MICROSOFT_GRAPH_URL at `url`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, writeJson } from './http.ts';
import { createFakeOAuth, type FakeOAuth, serveOAuthProvider } from './oauth-server.ts';

export interface GraphMail {
  id: string;
  from: string;
  to: string;
  subject: string;
  preview: string;
  received: string;
  isRead: boolean;
  isDraft: boolean;
  folder: 'inbox' | 'drafts' | 'sentitems';
  internetMessageId?: string;
}

export interface GraphEvent {
  id: string;
  subject: string;
  start: string;
  end: string;
  transactionId?: string;
  properties: Record<string, string>;
}

export interface GraphItem {
  name: string;
  folder: string;
  webUrl: string;
  modified: string;
}

export interface FakeMicrosoft {
  url: string;
  oauth: FakeOAuth;
  mails: GraphMail[];
  events: GraphEvent[];
  items: GraphItem[];
  /** Graph requests that carried a live token, as `METHOD path`, throttled ones included. */
  calls: string[];
  throttle(requests: number, retryAfterSeconds: number): void;
  close(): Promise<void>;
}

/** Graph answers UTC date-times without an offset when asked for UTC. */
const graphTime = (iso: string) => ({
  dateTime: new Date(iso).toISOString().replace('Z', '0000'),
  timeZone: 'UTC',
});

export async function startFakeMicrosoft(): Promise<FakeMicrosoft> {
  const oauth = createFakeOAuth({
    authorize: /^\/[^/]+\/oauth2\/v2\.0\/authorize$/,
    token: /^\/[^/]+\/oauth2\/v2\.0\/token$/,
  });
  const mails: GraphMail[] = [];
  const events: GraphEvent[] = [];
  const items: GraphItem[] = [];
  const calls: string[] = [];
  let throttled = { requests: 0, seconds: 0 };

  async function graph(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
    const path = decodeURIComponent(url.pathname);
    const method = request.method ?? 'GET';
    const reply = (status: number, body: unknown, headers?: Record<string, string>) =>
      writeJson(response, { status, body, ...(headers ? { headers } : {}) });
    if (!oauth.authorized(request)) {
      reply(401, { error: { code: 'InvalidAuthenticationToken', message: 'Access token has expired.' } });
      return;
    }
    calls.push(`${method} ${path}`);
    if (throttled.requests > 0) {
      throttled.requests -= 1;
      reply(
        429,
        { error: { code: 'TooManyRequests', message: 'Please retry.' } },
        { 'retry-after': String(throttled.seconds) },
      );
      return;
    }
    const body = method === 'POST' ? JSON.parse((await readBody(request)) || '{}') : undefined;
    const filter = url.searchParams.get('$filter') ?? '';
    const asMessage = (mail: GraphMail) => ({
      id: mail.id,
      isDraft: mail.isDraft,
      from: { emailAddress: { name: mail.from.split('@')[0], address: mail.from } },
      toRecipients: [{ emailAddress: { address: mail.to } }],
      ccRecipients: [],
      subject: mail.subject,
      receivedDateTime: mail.received,
      isRead: mail.isRead,
      bodyPreview: mail.preview,
    });
    if (method === 'GET' && path === '/v1.0/me/mailFolders/inbox/messages') {
      const found = mails
        .filter((mail) => mail.folder === 'inbox' && (!filter.includes('isRead eq false') || !mail.isRead))
        .sort((a, b) => b.received.localeCompare(a.received))
        .slice(0, Number(url.searchParams.get('$top') ?? 10));
      return reply(200, { value: found.map(asMessage) });
    }
    if (method === 'GET' && path === '/v1.0/me/messages') {
      const id = /internetMessageId eq '([^']*)'/.exec(filter)?.[1];
      return reply(200, {
        value: mails.filter((mail) => id && mail.internetMessageId === id).map(asMessage),
      });
    }
    if (method === 'POST' && path === '/v1.0/me/messages') {
      const mail: GraphMail = {
        id: `AAMk${mails.length + 1}`,
        from: 'owner@contoso.test',
        to: body.toRecipients[0].emailAddress.address,
        subject: body.subject,
        preview: String(body.body.content).slice(0, 50),
        received: new Date().toISOString(),
        isRead: true,
        isDraft: true,
        folder: 'drafts',
        internetMessageId: body.internetMessageId,
      };
      mails.push(mail);
      return reply(201, asMessage(mail));
    }
    const send = /^\/v1\.0\/me\/messages\/([^/]+)\/send$/.exec(path);
    if (method === 'POST' && send) {
      const mail = mails.find((entry) => entry.id === send[1]);
      if (!mail) return reply(404, { error: { code: 'ErrorItemNotFound' } });
      mail.isDraft = false;
      mail.folder = 'sentitems';
      response.writeHead(202);
      response.end();
      return;
    }
    const asEvent = (event: GraphEvent) => ({
      id: event.id,
      subject: event.subject,
      start: graphTime(event.start),
      end: graphTime(event.end),
      isAllDay: false,
      showAs: 'busy',
    });
    if (method === 'GET' && path === '/v1.0/me/calendarView') {
      const from = Date.parse(url.searchParams.get('startDateTime') ?? '');
      const to = Date.parse(url.searchParams.get('endDateTime') ?? '');
      const found = events.filter((event) => Date.parse(event.start) < to && Date.parse(event.end) > from);
      return reply(200, { value: found.map(asEvent) });
    }
    if (method === 'GET' && path === '/v1.0/me/events') {
      const match = /ep\/id eq '([^']*)' and ep\/value eq '([^']*)'/.exec(filter);
      const found = events.filter((event) => match && event.properties[match[1]!] === match[2]);
      return reply(200, { value: found.map(asEvent) });
    }
    if (method === 'POST' && path === '/v1.0/me/events') {
      const existing = events.find(
        (event) => body.transactionId && event.transactionId === body.transactionId,
      );
      if (existing) return reply(201, asEvent(existing));
      const event: GraphEvent = {
        id: `AAMkEvent${events.length + 1}`,
        subject: body.subject,
        start: `${body.start.dateTime.replace(/Z$/, '')}Z`,
        end: `${body.end.dateTime.replace(/Z$/, '')}Z`,
        transactionId: body.transactionId,
        properties: Object.fromEntries(
          (body.singleValueExtendedProperties ?? []).map((property: { id: string; value: string }) => [
            property.id,
            property.value,
          ]),
        ),
      };
      events.push(event);
      return reply(201, asEvent(event));
    }
    const search = /^\/v1\.0\/me\/drive\/root(?::\/(.+):)?\/search\(q='([^']*)'\)$/.exec(path);
    if (method === 'GET' && search) {
      const [, folder, query] = search;
      const found = items.filter(
        (item) =>
          item.name.toLowerCase().includes(query!.toLowerCase()) && (!folder || item.folder === folder),
      );
      return reply(200, {
        value: found.map((item) => ({
          name: item.name,
          webUrl: item.webUrl,
          lastModifiedDateTime: item.modified,
        })),
      });
    }
    reply(404, { error: { code: 'ResourceNotFound', message: `no fake for ${method} ${path}` } });
  }

  const server = await serveOAuthProvider(oauth, graph);
  return {
    ...server,
    oauth,
    mails,
    events,
    items,
    calls,
    throttle(requests, seconds) {
      throttled = { requests, seconds };
    },
  };
}
