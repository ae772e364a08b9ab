import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCalendarTool } from '../../src/integrations/caldav/read-calendar.ts';
import { toolContext, toolFailure } from './tool-run.ts';

// Radicale never answers 403, 429 or 5xx on demand: a loopback HTTP server that answers every
// request with the status the test asks for stands in for a CalDAV host that limits or fails.
let server: Server;
let status = 200;
let hang = false;

beforeAll(async () => {
  server = createServer((_request, response) => {
    if (hang) return; // never answers: only the call's signal ends the request
    response.writeHead(status, { 'content-type': 'text/plain' }).end('no');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function errorFor(signal: AbortSignal) {
  const { port } = server.address() as AddressInfo;
  const config = {
    server_url: `http://127.0.0.1:${port}/`,
    user: 'user',
    password: 'password',
    calendar: '',
  };
  return toolFailure(
    readCalendarTool.run(
      { from: '2026-11-24T00:00:00Z', to: '2026-11-25T00:00:00Z' },
      toolContext(config, signal),
    ),
  );
}

describe('CalDAV HTTP failures are classified', () => {
  it.each([
    [403, 'permission_denied'],
    [429, 'rate_limited'],
    [500, 'server_error'],
    [503, 'server_error'],
  ] as const)('%i → %s', async (answer, errorType) => {
    status = answer;
    hang = false;
    const error = await errorFor(AbortSignal.timeout(10_000));
    expect(error.errorType).toBe(errorType);
    expect(error.httpStatus).toBe(answer);
  });

  it('a server that never answers ends with network_error when the call times out', async () => {
    hang = true;
    const started = Date.now();
    const error = await errorFor(AbortSignal.timeout(300));
    expect(error.errorType).toBe('network_error');
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
