/**
 * When the phone logs the link out (401), staff are told by email over the tenant's own SMTP
 * server (a real SMTP server on loopback), besides the workspace event and the audit entry.
 * The notice names the business and the channel; it carries no message text.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeSmtpServer, smtpValues, startFakeSmtpServer } from '../../fakes/smtp-server.ts';
import { eventually } from '../../support/gateway.ts';
import { type QrGateway, startQrGateway } from './qr-gateway.ts';

describe('WhatsApp QR logged out by the phone', () => {
  let gateway: QrGateway;
  let smtp: FakeSmtpServer;

  beforeEach(async () => {
    gateway = await startQrGateway();
    smtp = await startFakeSmtpServer();
  });

  afterEach(async () => {
    await gateway.close();
    await smtp.close();
  });

  it('mails staff once, without message text, and marks the connector', {
    timeout: 60_000,
  }, async () => {
    const tenant = await gateway.createTenant('bakery');
    const saved = await gateway.request({
      method: 'PUT',
      url: '/admin/connector-hub/smtp/config',
      token: tenant.apiToken,
      payload: smtpValues(smtp, { notify_email: 'team@example.com' }),
    });
    expect(saved.statusCode, saved.body).toBe(200);
    await gateway.link(tenant.apiToken);
    const socket = gateway.sockets.latest();
    socket.receive({
      key: { remoteJid: '4915123456789@s.whatsapp.net', fromMe: false, id: '3EB0SECRET000001' },
      messageTimestamp: Math.floor(Date.now() / 1000),
      pushName: 'Bea',
      message: { conversation: 'my secret order details' },
    });
    // The agent's reply goes out first, so no undeliverable reply adds a notice of its own.
    await eventually(() => socket.sends().length > 0, 20_000, 'the reply');

    socket.close(401);
    await eventually(() => smtp.received.length > 0, 20_000, 'the notice');
    const [notice] = smtp.received;
    expect(notice).toMatchObject({
      envelopeTo: ['team@example.com'],
      subject: '[Tenant bakery] WhatsApp (QR) was logged out: link it again',
    });
    expect(notice!.text).toContain('scan the new QR code');
    expect(notice!.text).not.toContain('secret order');
    expect(notice!.text).not.toContain('15550009999');

    const config = await gateway.request({
      method: 'GET',
      url: '/admin/connector-hub/whatsapp_qr/config',
      token: tenant.apiToken,
    });
    expect(config.json()).toMatchObject({ status: 'error' });
    // One logout, one notice: nothing more is queued or sent afterwards.
    await eventually(
      async () =>
        (await gateway.store.db.job.count({
          where: { tenantId: tenant.id, kind: 'notifications.staff', status: { not: 'done' } },
        })) === 0,
      10_000,
      'the notice job settled',
    );
    expect(smtp.received.map((mail) => mail.subject)).toEqual([notice!.subject]);
  });
});
