/**
 * Baseline A: a bare Fastify POST route that answers 200, with Fastify's default JSON body
 * parsing and no logger. It is the ceiling for any route on this Fastify, machine and load
 * generator.
 */
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { onFinish } from '../lib/child.ts';

const app = Fastify({ logger: false });
app.post('/webhook', async () => ({ ok: true }));
await app.listen({ host: '127.0.0.1', port: 0 });

process.send?.({ port: (app.server.address() as AddressInfo).port });
onFinish(async () => {
  await app.close();
  return {};
});
