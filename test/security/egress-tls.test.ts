/**
 * A connection through the egress guard goes to the checked address but keeps the configured
 * name for TLS: the server sees it as SNI, and the certificate is verified against it (a
 * self-signed one is refused as a TLS failure). The name resolves through an injected
 * resolver to 127.0.0.1, the only address these tests connect to.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecureContext, createServer, type Server } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyConnectionFailure } from '../../src/core/connection-failure.ts';
import { createEgress, parseEgressAllow } from '../../src/core/egress.ts';
import { imapIntegration } from '../../src/integrations/imap/integration.ts';
import { checkSmtpConnection } from '../../src/notifications/smtp-transport.ts';

const NAME = 'mail.test';
const egress = createEgress({
  allow: parseEgressAllow('127.0.0.1'),
  resolve: async (host) => (host === NAME ? ['127.0.0.1'] : []),
});

let server: Server;
let port: number;
let directory: string;
const serverNames: Array<string | undefined> = [];

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'switchboard-egress-tls-'));
  const key = join(directory, 'key.pem');
  const cert = join(directory, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-subj',
      `/CN=${NAME}`,
      '-days',
      '1',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  );
  const context = createSecureContext({ key: readFileSync(key), cert: readFileSync(cert) });
  server = createServer({
    SNICallback: (servername, callback) => {
      serverNames.push(servername);
      callback(null, context);
    },
  });
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(directory, { recursive: true, force: true });
  await egress.close();
});

describe('TLS through the egress guard', () => {
  it('fetch sends the configured name and refuses a certificate it cannot verify', async () => {
    serverNames.length = 0;
    const error = await egress.fetch(`https://${NAME}:${port}/`).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(classifyConnectionFailure(error)).toBe('tls_failed');
    expect(serverNames).toEqual([NAME]);
  });

  it('IMAP sends the configured name and reports a TLS failure', async () => {
    serverNames.length = 0;
    const check = await imapIntegration.test(
      { host: NAME, port: String(port), tls: 'true', user: 'inbox@example.com', password: 'imap-password' },
      AbortSignal.timeout(5_000),
      egress,
    );
    expect(check).toEqual({ ok: false, detail: 'IMAP: TLS failed' });
    expect(serverNames).toEqual([NAME]);
  });

  it('SMTP sends the configured name and reports a TLS failure', async () => {
    serverNames.length = 0;
    const check = await checkSmtpConnection(
      { host: NAME, port: String(port), security: 'tls', from: 'alerts@example.com' },
      egress,
    );
    expect(check).toEqual({
      ok: false,
      detail: `SMTP ${NAME}:${port}: TLS failed: check the security setting`,
    });
    expect(serverNames).toEqual([NAME]);
  });
});
