import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ChannelAdapter } from '../../channels/types.ts';
import type { ConnectorValues } from '../../core/connector.ts';
import { AppError } from '../../core/errors.ts';
import type { Ingestor } from '../../normalizer/ingestor.ts';

export interface WebhookDependencies {
  channels: Record<string, ChannelAdapter>;
  publicUrl: string;
  tenantBySlug(slug: string): Promise<{ id: string } | undefined>;
  loadConfig(tenantId: string, channel: string): Promise<ConnectorValues | undefined>;
  ingestor: Ingestor;
  /** Called after a delivery with new messages is committed. */
  onIngested(): void;
}

const DEFAULT_BODY_LIMIT = 1024 * 1024;

/**
 * `POST /webhook/<channel>/:tenantSlug` for every channel. Each route does three things:
 * verify the raw bytes, store the parsed events (deduplicated, with their jobs) and answer
 * 200 once that is committed. Nothing is stored when verification fails.
 */
export async function webhookRoutes(app: FastifyInstance, dependencies: WebhookDependencies): Promise<void> {
  const { channels, publicUrl, tenantBySlug, loadConfig, ingestor, onIngested } = dependencies;

  // Adapters verify signatures over the exact bytes, so bodies reach them unparsed.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  async function receive(
    adapter: ChannelAdapter,
    request: FastifyRequest<{ Params: { tenantSlug: string } }>,
    reply: FastifyReply,
  ) {
    const contentType = request.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
    if (!contentType || !adapter.contentTypes.includes(contentType)) {
      throw new AppError(
        'UNSUPPORTED_MEDIA_TYPE',
        `${adapter.id} webhooks must be ${adapter.contentTypes.join(' or ')}`,
      );
    }
    const tenant = await tenantBySlug(request.params.tenantSlug);
    if (!tenant) throw new AppError('UNKNOWN_TENANT', `there is no tenant "${request.params.tenantSlug}"`);
    const config = await loadConfig(tenant.id, adapter.id);
    if (!config)
      throw new AppError('CHANNEL_NOT_CONFIGURED', `${adapter.id} is not configured for this tenant`);
    const webhookRequest = {
      headers: request.headers,
      rawBody: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
      url: `${publicUrl}${request.url}`,
    };
    const verified = adapter.verify(webhookRequest, config);
    if (!verified.ok) {
      request.log.warn({ channel: adapter.id, reason: verified.reason }, 'webhook rejected');
      throw new AppError('SIGNATURE_INVALID', verified.reason);
    }
    const events = adapter.parse(webhookRequest, config);
    const outcome = await ingestor.ingest({ tenantId: tenant.id, channel: adapter.id, events });
    if (outcome.stored > 0) onIngested();
    if (adapter.acknowledgement) {
      return reply.type(adapter.acknowledgement.contentType).send(adapter.acknowledgement.body);
    }
    return { ok: true, stored: outcome.stored, duplicates: outcome.duplicates };
  }

  /** Meta's subscription check: echo the challenge when the verify token matches, else 403. */
  async function handshake(
    adapter: ChannelAdapter,
    request: FastifyRequest<{
      Params: { tenantSlug: string };
      Querystring: Record<string, string | undefined>;
    }>,
    reply: FastifyReply,
  ) {
    const tenant = await tenantBySlug(request.params.tenantSlug);
    if (!tenant) throw new AppError('UNKNOWN_TENANT', `there is no tenant "${request.params.tenantSlug}"`);
    const config = await loadConfig(tenant.id, adapter.id);
    if (!config)
      throw new AppError('CHANNEL_NOT_CONFIGURED', `${adapter.id} is not configured for this tenant`);
    const result = adapter.handshake!(request.query, config);
    if (!result.ok) throw new AppError('FORBIDDEN', result.reason);
    return reply.type('text/plain').send(result.body);
  }

  for (const adapter of Object.values(channels)) {
    for (const subpath of ['', ...(adapter.webhookSubpaths ?? [])]) {
      app.post<{ Params: { tenantSlug: string } }>(
        `/webhook/${adapter.id}/:tenantSlug${subpath}`,
        { bodyLimit: adapter.bodyLimitBytes ?? DEFAULT_BODY_LIMIT },
        (request, reply) => receive(adapter, request, reply),
      );
    }
    if (adapter.handshake) {
      app.get<{ Params: { tenantSlug: string }; Querystring: Record<string, string | undefined> }>(
        `/webhook/${adapter.id}/:tenantSlug`,
        (request, reply) => handshake(adapter, request, reply),
      );
    }
  }

  app.post<{ Params: { channel: string } }>('/webhook/:channel/:tenantSlug', async (request) => {
    throw new AppError('UNKNOWN_CHANNEL', `there is no channel "${request.params.channel}"`);
  });
}
