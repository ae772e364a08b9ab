import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { actorOf, tenantCaller } from '../caller.ts';
import { openServerSentEvents } from '../server-sent-events.ts';
import { parseInput } from '../validate.ts';
import type { WhatsAppQrSessions } from '../whatsapp-qr/sessions.ts';

const BASE = '/admin/channels/whatsapp_qr';

const pairingCodeBody = z.object({
  phone: z
    .string()
    .regex(/^\+?[1-9]\d{6,14}$/, 'must be the phone number in international format, e.g. +4915123456789'),
});

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
  const open = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of open) end();
  });

  app.get(BASE, async (request) => sessions.status(tenantCaller(request).tenantId));

  app.post(`${BASE}/connect`, async (request) => {
    const { tenantId, actor } = who(request);
    return sessions.connect(tenantId, actor);
  });

  app.post(`${BASE}/pairing-code`, async (request) => {
    const { tenantId } = who(request);
    const { phone } = parseInput(pairingCodeBody, request.body, 'pairing request');
    return { code: await sessions.pairingCode(tenantId, phone) };
  });

  app.post(`${BASE}/logout`, async (request) => {
    const { tenantId, actor } = who(request);
    await sessions.logout(tenantId, actor);
    return sessions.status(tenantId);
  });

  app.get(`${BASE}/pairing`, async (request, reply) => {
    const { tenantId } = tenantCaller(request);
    const status = await sessions.status(tenantId);
    openServerSentEvents(request, reply, open, (stream) => {
      stream.send('state', { type: 'state', state: status.state, reason: 'current' });
      return sessions.subscribe(tenantId, (event) => stream.send(event.type, event));
    });
  });
}
