/**
 * The pairing stream and staff's commands wherever a request lands: two gateways of one
 * deployment share a PostgreSQL database (each with its own pool, LISTEN connection, leases
 * and sessions; they meet only in the database). One holds the session; a client of the
 * other sees its state changes and each fresh QR, and connect, pairing-code and logout sent
 * to the other reach the holder.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestStore, postgresServerUrl, type TestStore } from '../../support/database.ts';
import { eventually } from '../../support/gateway.ts';
import { qrEvents, readEvents } from './pairing-stream.ts';
import { type QrGateway, startQrGateway } from './qr-gateway.ts';

describe.runIf(postgresServerUrl())('WhatsApp QR pairing across gateways on PostgreSQL', () => {
  let store: TestStore;
  let holder: QrGateway;
  let other: QrGateway;
  const controller = new AbortController();

  beforeEach(async () => {
    store = await createTestStore();
    holder = await startQrGateway({ store });
    other = await startQrGateway({ store });
  });

  afterEach(async () => {
    controller.abort();
    await holder.close();
    await other.close();
    await store.dispose();
  });

  async function baseUrl(gateway: QrGateway): Promise<string> {
    await gateway.app.listen({ port: 0, host: '127.0.0.1' });
    return `http://127.0.0.1:${(gateway.app.server.address() as { port: number }).port}`;
  }

  it('streams the holder’s states and QR codes from the other gateway, which passes commands on', {
    timeout: 90_000,
  }, async () => {
    const tenant = await holder.createTenant('bakery');
    const [holderUrl, otherUrl] = [await baseUrl(holder), await baseUrl(other)];
    const call = (base: string, method: string, path: string, body?: unknown) =>
      fetch(`${base}/admin/channels/whatsapp_qr${path}`, {
        method,
        headers: {
          authorization: `Bearer ${tenant.apiToken}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    const openStream = async () => {
      const response = await fetch(`${otherUrl}/admin/channels/whatsapp_qr/pairing`, {
        headers: { authorization: `Bearer ${tenant.apiToken}` },
        signal: controller.signal,
      });
      expect(response.status).toBe(200);
      return readEvents(response);
    };

    // With nobody holding the session, the other gateway says so at once.
    const early = await call(otherUrl, 'POST', '/pairing-code', { phone: '+4915123456789' });
    expect(early.status).toBe(409);

    const events = await openStream();
    await eventually(() => events.length > 0, 10_000, 'the current state');
    expect((await call(holderUrl, 'POST', '/connect')).status).toBe(200);
    await eventually(() => holder.sockets.sockets.length === 1, 10_000, 'the socket');
    const socket = holder.sockets.latest();
    for (const [index, qr] of qrEvents.entries()) {
      socket.emit('connection.update', { qr });
      const received = await eventually(
        () => events.filter((event) => event.event === 'qr')[index],
        15_000,
        `QR ${index + 1} on the other gateway`,
      );
      expect(received!.data.qr).toBe(qr);
      expect(String(received!.data.dataUrl)).toMatch(/^data:image\/png;base64,[A-Za-z0-9+/=]{100,}$/);
    }

    // A client that opens the stream on the other gateway now sees the current QR first.
    const late = await openStream();
    await eventually(() => late.length >= 2, 10_000, 'the late client’s first events');
    expect(late[0]).toMatchObject({ event: 'state', data: { state: 'pairing' } });
    expect(late[1]).toMatchObject({ event: 'qr', data: { qr: qrEvents.at(-1) } });

    // Commands sent to the other gateway are carried out by the holder, whose socket it is.
    const paired = await call(otherUrl, 'POST', '/pairing-code', { phone: '+4915123456789' });
    expect(paired.status).toBe(200);
    expect(await paired.json()).toEqual({ code: 'ABCD1234' });
    expect(socket.pairingRequests).toEqual(['4915123456789']);
    const connected = await call(otherUrl, 'POST', '/connect');
    expect(connected.status).toBe(200);
    expect(await connected.json()).toMatchObject({ heldHere: false });
    expect(other.sockets.sockets).toHaveLength(0);

    socket.open();
    await eventually(() => events.some((event) => event.data.state === 'connected'), 15_000, 'connected');
    const logout = await call(otherUrl, 'POST', '/logout');
    expect(logout.status).toBe(200);
    expect(socket.loggedOut).toBe(true);
    await eventually(() => events.some((event) => event.data.state === 'logged_out'), 15_000, 'logged out');
    expect(events.filter((event) => event.event === 'state').map((event) => event.data.state)).toEqual([
      'disconnected',
      'connecting',
      'pairing',
      'connected',
      'logged_out',
    ]);
    const audit = await store.db.auditLog.findMany({
      where: { tenantId: tenant.id, action: { in: ['whatsapp_qr.connect', 'whatsapp_qr.logout'] } },
    });
    expect(audit.map((row) => row.action).sort()).toEqual([
      'whatsapp_qr.connect',
      'whatsapp_qr.connect',
      'whatsapp_qr.logout',
    ]);
  });
});
