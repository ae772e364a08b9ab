import fastifyWebsocket from '@fastify/websocket';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ToolRegistry } from '../../agent/tool-registry.ts';
import type { RequestHumanOptions } from '../../agent/tools/request-human.ts';
import type { Agent } from '../../agent/types.ts';
import { parseInput } from '../validate.ts';
import { type CallRouteDependencies, callRoutes, socketBase } from './call-routes.ts';
import { runRelaySession } from './relay-session.ts';
import { runStreamSession } from './stream-session.ts';
import { findVoiceTarget, type VoiceTarget, verifyTwilioSignature } from './voice-target.ts';

export interface VoiceDependencies extends CallRouteDependencies {
  agent: Agent;
  tools: ToolRegistry;
  /** The realtime speech model of media_stream calls. */
  realtime: { url: string; model: string };
  /** The process-wide model key (OPENAI_API_KEY), for tenants without an `llm` connector. */
  defaultApiKey: string | undefined;
  /** Tells staff when a caller asks for a person with the keypad. */
  notifyStaff: RequestHumanOptions['notifyStaff'];
}

const slugParams = z.object({ tenantSlug: z.string().min(1).max(100) });

/** Largest frame a socket accepts: a ConversationRelay prompt or a 20 ms media frame is far below it. */
const MAX_FRAME_BYTES = 64 * 1024;

/**
 * The phone line: the call webhooks and the sockets Twilio opens for a call. A socket's
 * opening request is checked before it is upgraded (the tenant's line exists and
 * `X-Twilio-Signature` is valid for the `wss://` URL, with no parameters); a request that
 * fails gets its 4xx and never becomes a socket, so no frame of it is read.
 */
export async function voiceRoutes(app: FastifyInstance, dependencies: VoiceDependencies): Promise<void> {
  await app.register(fastifyWebsocket, { options: { maxPayload: MAX_FRAME_BYTES } });
  await app.register(callRoutes, dependencies);

  const targets = new WeakMap<FastifyRequest, VoiceTarget>();
  async function admitUpgrade(request: FastifyRequest): Promise<void> {
    const { tenantSlug } = parseInput(slugParams, request.params, 'path');
    const target = await findVoiceTarget(dependencies, tenantSlug);
    try {
      verifyTwilioSignature(target, {
        headers: request.headers,
        rawBody: Buffer.alloc(0),
        url: `${socketBase(dependencies.publicUrl)}${request.url}`,
      });
    } catch (error) {
      request.log.warn({ channel: 'voice' }, 'call socket refused: signature');
      throw error;
    }
    targets.set(request, target);
  }

  // Both kinds of session take what they need from the same dependencies.
  const sessions = { ...dependencies, logger: app.log };
  app.get('/voice/relay/:tenantSlug', { websocket: true, onRequest: admitUpgrade }, (socket, request) =>
    runRelaySession(sessions, socket, targets.get(request)!),
  );
  app.get('/voice/stream/:tenantSlug', { websocket: true, onRequest: admitUpgrade }, (socket, request) =>
    runStreamSession(sessions, socket, targets.get(request)!),
  );
}
