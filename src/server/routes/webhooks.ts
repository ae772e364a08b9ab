import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ChannelAdapter, WebhookRequest } from '../../channels/types.ts';
import type { ConnectorValues } from '../../core/connector.ts';
import { AppError } from '../../core/errors.ts';
import type { Ingestor } from '../../normalizer/ingestor.ts';
import { errorResponses } from '../openapi.ts';

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

/** The tenant and configuration a webhook request was addressed to, found from its URL alone. */
interface Target {
  tenantId: string;
  config: ConnectorValues;
}

type WebhookRouteRequest = FastifyRequest<{ Params: { tenantSlug: string } }>;

const webhookParams = z.object({ tenantSlug: z.string().describe('the tenant’s slug') });
/** Documents the body only: the route keeps the raw bytes, which the adapter verifies and parses. */
const providerPayload = z
  .unknown()
  .describe('the provider’s own payload, as it sends it; verified on the raw bytes, then parsed');
const receipt = z.object({
  ok: z.literal(true),
  stored: z.int().describe('new messages and events stored'),
  duplicates: z.int().describe('deliveries seen before, recognized by their provider id'),
  skipped: z.int().describe('items that could not be read; counted and logged, never stored'),
});

/** The route options' schema of a channel's webhook: its content types, its answer, its errors. */
function receiveSchema(adapter: ChannelAdapter) {
  const ack = adapter.acknowledgement;
  return {
    summary: `${adapter.connector.name}: inbound webhook`,
    consumes: adapter.contentTypes,
    params: webhookParams,
    body: providerPayload,
    response: {
      200: ack
        ? {
            description: `stored; the answer the provider expects (${ack.body})`,
            content: { [ack.contentType]: { schema: z.string() } },
          }
        : receipt,
      ...errorResponses(
        'SIGNATURE_INVALID',
        'NOT_FOUND',
        'UNSUPPORTED_MEDIA_TYPE',
        'PAYLOAD_TOO_LARGE',
        'MALFORMED_PAYLOAD',
        'OVERLOADED',
      ),
    },
  };
}

const handshakeSchema = (adapter: ChannelAdapter) => ({
  summary: `${adapter.connector.name}: the provider’s subscription check`,
  params: webhookParams,
  querystring: z
    .object({
      'hub.mode': z.string().optional(),
      'hub.verify_token': z.string().optional(),
      'hub.challenge': z.string().optional(),
    })
    .loose(),
  response: {
    200: { description: 'the challenge, echoed', content: { 'text/plain': { schema: z.string() } } },
    ...errorResponses('FORBIDDEN', 'NOT_FOUND'),
  },
});

const unknownChannelSchema = {
  summary: 'any other channel: there is none',
  params: z.object({ channel: z.string(), tenantSlug: z.string() }),
  body: providerPayload,
  response: errorResponses('UNKNOWN_CHANNEL'),
};

/**
 * `POST /webhook/<channel>/:tenantSlug` for every channel. Each route does three things:
 * verify the raw bytes, store the parsed events (deduplicated, with their jobs) and answer
 * 200 once that is committed. Nothing is stored when verification fails.
 *
 * What the URL and headers can settle is settled before the body is read, in `onRequest`:
 * the content type, that the tenant exists and has the channel configured, and, for
 * channels whose secret travels in a header, the secret. A request failing any of these
 * costs a lookup, never a buffered body. An unknown tenant and an unconfigured channel get
 * the same answer, so tenant slugs cannot be discovered by probing.
 */
export async function webhookRoutes(app: FastifyInstance, dependencies: WebhookDependencies): Promise<void> {
  const { channels, publicUrl, tenantBySlug, loadConfig, ingestor, onIngested } = dependencies;
  const targets = new WeakMap<FastifyRequest, Target>();

  // Adapters verify signatures over the exact bytes, so bodies reach them unparsed.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  async function findTarget(adapter: ChannelAdapter, tenantSlug: string): Promise<Target> {
    const tenant = await tenantBySlug(tenantSlug);
    const config = tenant ? await loadConfig(tenant.id, adapter.id) : undefined;
    if (!tenant || !config) {
      throw new AppError('NOT_FOUND', `no ${adapter.id} webhook is configured at this address`);
    }
    return { tenantId: tenant.id, config };
  }

  function webhookRequestOf(request: FastifyRequest, rawBody: Buffer): WebhookRequest {
    return { headers: request.headers, rawBody, url: `${publicUrl}${request.url}` };
  }

  function verify(
    adapter: ChannelAdapter,
    request: FastifyRequest,
    webhookRequest: WebhookRequest,
    config: ConnectorValues,
  ): void {
    const verified = adapter.verify(webhookRequest, config);
    if (!verified.ok) {
      request.log.warn({ channel: adapter.id, reason: verified.reason }, 'webhook rejected');
      throw new AppError('SIGNATURE_INVALID', verified.reason);
    }
  }

  /** Everything the headers can tell, before a byte of the body is read. */
  async function admit(adapter: ChannelAdapter, request: WebhookRouteRequest): Promise<void> {
    const contentType = request.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
    if (!contentType || !adapter.contentTypes.includes(contentType)) {
      throw new AppError(
        'UNSUPPORTED_MEDIA_TYPE',
        `${adapter.id} webhooks must be ${adapter.contentTypes.join(' or ')}`,
      );
    }
    const target = await findTarget(adapter, request.params.tenantSlug);
    if (adapter.verifiesHeadersOnly) {
      verify(adapter, request, webhookRequestOf(request, Buffer.alloc(0)), target.config);
    }
    targets.set(request, target);
  }

  async function receive(adapter: ChannelAdapter, request: WebhookRouteRequest, reply: FastifyReply) {
    const { tenantId, config } = targets.get(request)!;
    const webhookRequest = webhookRequestOf(
      request,
      Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
    );
    if (!adapter.verifiesHeadersOnly) verify(adapter, request, webhookRequest, config);
    let skipped = 0;
    // A provider resends nothing we acknowledged, so skipped items are at least counted and logged (never their content).
    webhookRequest.onSkipped = (problems) => {
      skipped = problems.length;
      request.log.warn(
        { channel: adapter.id, skipped, problems: problems.slice(0, 3) },
        'webhook items skipped',
      );
    };
    const events = adapter.parse(webhookRequest, config);
    const outcome = await ingestor.ingest({ tenantId, channel: adapter.id, events });
    if (outcome.stored > 0) onIngested();
    if (adapter.acknowledgement) {
      return reply.type(adapter.acknowledgement.contentType).send(adapter.acknowledgement.body);
    }
    return { ok: true, stored: outcome.stored, duplicates: outcome.duplicates, skipped };
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
    const { config } = await findTarget(adapter, request.params.tenantSlug);
    const result = adapter.handshake!(request.query, config);
    if (!result.ok) throw new AppError('FORBIDDEN', result.reason);
    return reply.type('text/plain').send(result.body);
  }

  for (const adapter of Object.values(channels)) {
    for (const subpath of ['', ...(adapter.webhookSubpaths ?? [])]) {
      app.post<{ Params: { tenantSlug: string } }>(
        `/webhook/${adapter.id}/:tenantSlug${subpath}`,
        {
          schema: receiveSchema(adapter),
          // The receipt is four fields this route builds itself: encoding it needs no schema
          // pass, which cost a few microseconds on every delivery.
          serializerCompiler: () => (data) => JSON.stringify(data),
          bodyLimit: adapter.bodyLimitBytes ?? DEFAULT_BODY_LIMIT,
          onRequest: (request) => admit(adapter, request),
        },
        (request, reply) => receive(adapter, request, reply),
      );
    }
    if (adapter.handshake) {
      app.get<{ Params: { tenantSlug: string }; Querystring: Record<string, string | undefined> }>(
        `/webhook/${adapter.id}/:tenantSlug`,
        { schema: handshakeSchema(adapter) },
        (request, reply) => handshake(adapter, request, reply),
      );
    }
  }

  app.post<{ Params: { channel: string } }>(
    '/webhook/:channel/:tenantSlug',
    {
      schema: unknownChannelSchema,
      onRequest: async (request) => {
        throw new AppError('UNKNOWN_CHANNEL', `there is no channel "${request.params.channel}"`);
      },
    },
    async () => undefined,
  );
}
