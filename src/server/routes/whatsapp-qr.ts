import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf, tenantCaller } from '../caller.ts';
import { errorResponses } from '../openapi.ts';
import { openServerSentEvents } from '../server-sent-events.ts';
import type { WhatsAppQrSessions } from '../whatsapp-qr/sessions.ts';

const BASE = '/admin/channels/whatsapp_qr';

const status = z.object({
  state: z
    .string()
    .describe('disconnected, connecting, pairing, connected, reconnecting, logged_out or stopped'),
  phone: z.string().nullable().describe('the linked number, +E.164'),
  connectedSince: z.string().nullable(),
  lastEventAt: z.string().nullable(),
  heldHere: z.boolean().describe('whether this gateway process holds the session'),
});
const statusSchema = {
  summary: 'the WhatsApp (QR) link: state, linked number, since when, last event',
  response: { 200: status, ...errorResponses('BAD_REQUEST') },
};
const connectSchema = {
  summary: 'start linking by QR code (or resume the stored link) in this process',
  response: { 200: status, ...errorResponses('BAD_REQUEST', 'CONFLICT') },
};
const pairingCodeSchema = {
  summary: 'pair by phone number instead: the code to type on the phone',
  body: z.object({
    phone: z
      .string()
      .regex(/^\+?[1-9]\d{6,14}$/, 'must be the phone number in international format, e.g. +4915123456789'),
  }),
  response: {
    200: z.object({ code: z.string() }),
    ...errorResponses('BAD_REQUEST', 'VALIDATION_FAILED', 'CONFLICT'),
  },
};
const logoutSchema = {
  summary: 'unlink the device and delete the stored link',
  response: { 200: status, ...errorResponses('BAD_REQUEST', 'CONFLICT') },
};
const pairingSchema = {
  summary: 'the pairing state and each new QR code, as server-sent events',
  response: {
    200: {
      description:
        '`event: state` ({state, reason}) and `event: qr` ({qr, dataUrl}: the raw string and a PNG data URL); it does not end',
      content: { 'text/event-stream': { schema: z.string() } },
    },
    ...errorResponses('BAD_REQUEST'),
  },
};

function who(request: FastifyRequest) {
  const caller = tenantCaller(request);
  return { tenantId: caller.tenantId, actor: actorOf(caller) };
}

/**
 * Linking WhatsApp by QR code: start (`connect`), watch (`pairing`, server-sent events of each
 * state change and each new QR, as text and as a PNG data URL), pair by phone number instead
 * (`pairing-code`), unlink (`logout`), and the link's status for the catalog.
 */
export async function whatsappQrRoutes(
  app: FastifyInstance,
  options: { sessions: WhatsAppQrSessions },
): Promise<void> {
  const { sessions } = options;
  const api = app.withTypeProvider<ZodTypeProvider>();
  const open = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of open) end();
  });

  api.get(BASE, { schema: statusSchema }, async (request) => sessions.status(tenantCaller(request).tenantId));

  api.post(`${BASE}/connect`, { schema: connectSchema }, async (request) => {
    const { tenantId, actor } = who(request);
    return sessions.connect(tenantId, actor);
  });

  api.post(`${BASE}/pairing-code`, { schema: pairingCodeSchema }, async (request) => {
    const { tenantId } = who(request);
    return { code: await sessions.pairingCode(tenantId, request.body.phone) };
  });

  api.post(`${BASE}/logout`, { schema: logoutSchema }, async (request) => {
    const { tenantId, actor } = who(request);
    await sessions.logout(tenantId, actor);
    return sessions.status(tenantId);
  });

  api.get(`${BASE}/pairing`, { schema: pairingSchema }, async (request, reply) => {
    const { tenantId } = tenantCaller(request);
    const current = await sessions.status(tenantId);
    openServerSentEvents(request, reply, open, (stream) => {
      stream.send('state', { type: 'state', state: current.state, reason: 'current' });
      return sessions.subscribe(tenantId, (event) => stream.send(event.type, event));
    });
  });
}
