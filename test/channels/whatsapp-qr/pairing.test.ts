/**
 * Pairing over real HTTP: a client on the pairing stream receives every state change and a
 * fresh QR (string and PNG data URL) each time Baileys emits one; the status route and the
 * catalog then show the linked number; pairing by phone number and logout work and are audited.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from '../../support/gateway.ts';
import { qrEvents, readEvents } from './pairing-stream.ts';
import { type QrGateway, startQrGateway } from './qr-gateway.ts';

describe('WhatsApp QR pairing', () => {
  let gateway: QrGateway;
  let tenant: { id: string; apiToken: string };
  let base: string;
  const controller = new AbortController();

  beforeEach(async () => {
    gateway = await startQrGateway();
    tenant = await gateway.createTenant('bakery');
    await gateway.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(gateway.app.server.address() as { port: number }).port}`;
  });

  afterEach(async () => {
    controller.abort();
    await gateway.close();
  });

  const call = (method: string, path: string, body?: unknown) =>
    fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${tenant.apiToken}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  it('streams each state change and each fresh QR, then shows the linked number', {
    timeout: 60_000,
  }, async () => {
    const refused = await fetch(`${base}/admin/channels/whatsapp_qr/pairing`);
    expect(refused.status).toBe(401);
    const stream = await fetch(`${base}/admin/channels/whatsapp_qr/pairing`, {
      headers: { authorization: `Bearer ${tenant.apiToken}` },
      signal: controller.signal,
    });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    const events = readEvents(stream);
    await eventually(() => events.length > 0, 10_000, 'the current state');
    expect(events[0]).toEqual({
      event: 'state',
      data: { type: 'state', state: 'disconnected', reason: 'current' },
    });

    expect((await call('POST', '/admin/channels/whatsapp_qr/connect')).status).toBe(200);
    await eventually(() => gateway.sockets.sockets.length === 1, 10_000, 'the socket');
    const socket = gateway.sockets.latest();
    for (const [index, qr] of qrEvents.entries()) {
      socket.emit('connection.update', { qr });
      const received = await eventually(
        () => events.filter((event) => event.event === 'qr')[index],
        10_000,
        `QR ${index + 1}`,
      );
      expect(received!.data.qr).toBe(qr);
      expect(String(received!.data.dataUrl)).toMatch(/^data:image\/png;base64,[A-Za-z0-9+/=]{100,}$/);
    }
    socket.open();
    await eventually(() => events.some((event) => event.data.state === 'connected'), 10_000, 'connected');
    expect(events.filter((event) => event.event === 'state').map((event) => event.data.state)).toEqual([
      'disconnected',
      'connecting',
      'pairing',
      'connected',
    ]);

    const status = await eventually(
      async () => {
        const body = (await (await call('GET', '/admin/channels/whatsapp_qr')).json()) as Record<
          string,
          unknown
        >;
        return body.phone ? body : undefined;
      },
      10_000,
      'the status',
    );
    expect(status).toMatchObject({ state: 'connected', phone: '+15550009999', heldHere: true });
    expect(Date.parse(String(status!.connectedSince))).toBeGreaterThan(Date.now() - 60_000);
    expect(Date.parse(String(status!.lastEventAt))).toBeGreaterThan(Date.now() - 60_000);
    const catalog = (await (await call('GET', '/admin/connector-hub/catalog')).json()) as {
      items: Array<{ id: string; status: string }>;
    };
    expect(catalog.items.find((item) => item.id === 'whatsapp_qr')?.status).toBe('connected');
    const config = (await (await call('GET', '/admin/connector-hub/whatsapp_qr/config')).json()) as {
      statusDetail: string;
    };
    expect(config.statusDetail).toBe('linked to +15550009999');

    // Logging out ends the link, deletes the stored keys and is streamed and audited.
    expect((await call('POST', '/admin/channels/whatsapp_qr/logout')).status).toBe(200);
    expect(socket.loggedOut).toBe(true);
    await eventually(() => events.some((event) => event.data.state === 'logged_out'), 10_000, 'logged out');
    expect(await gateway.store.db.whatsappQrAuthEntry.count({ where: { tenantId: tenant.id } })).toBe(0);
    const audit = await eventually(
      async () => {
        const rows = await gateway.store.db.auditLog.findMany({
          where: { tenantId: tenant.id, action: { startsWith: 'whatsapp_qr.' } },
          orderBy: { createdAt: 'asc' },
        });
        return rows.some((row) => row.details.includes('logged_out')) ? rows : undefined;
      },
      10_000,
      'the audit trail',
    );
    const states = audit!
      .filter((row) => row.action === 'whatsapp_qr.state_changed')
      .map((row) => JSON.parse(row.details).state);
    expect(states).toEqual(['connecting', 'pairing', 'connected', 'logged_out']);
    expect(audit!.map((row) => row.action)).toEqual(
      expect.arrayContaining(['whatsapp_qr.connect', 'whatsapp_qr.logout']),
    );
  });

  it('pairs by phone number code instead of a QR, and says what is wrong with a bad number', async () => {
    const early = await call('POST', '/admin/channels/whatsapp_qr/pairing-code', { phone: '+4915123456789' });
    expect(early.status).toBe(409);
    expect((await call('POST', '/admin/channels/whatsapp_qr/connect')).status).toBe(200);
    await eventually(() => gateway.sockets.sockets.length === 1, 10_000, 'the socket');
    const bad = await call('POST', '/admin/channels/whatsapp_qr/pairing-code', { phone: 'call me' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      error: 'VALIDATION_FAILED',
      message: expect.stringContaining('phone'),
    });
    const paired = await call('POST', '/admin/channels/whatsapp_qr/pairing-code', {
      phone: '+4915123456789',
    });
    expect(paired.status).toBe(200);
    expect(await paired.json()).toEqual({ code: 'ABCD1234' });
    expect(gateway.sockets.latest().pairingRequests).toEqual(['4915123456789']);
  });
});
