import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { readForm } from '../../channels/sms/form.ts';
import type { Clock } from '../../core/clock.ts';
import { AppError } from '../../core/errors.ts';
import type { Ingestor } from '../../normalizer/ingestor.ts';
import { normalizePhone } from '../../normalizer/phone-identity.ts';
import type { Db } from '../../store/index.ts';
import { errorResponses } from '../openapi.ts';
import { parseInput } from '../validate.ts';
import { readSummary, recordCallStatus, storeIncomingCall } from './call-record.ts';
import { signCallToken } from './call-token.ts';
import { conversationRelayTwiml, dialTwiml, hangupTwiml, mediaStreamTwiml } from './twiml.ts';
import {
  findVoiceTarget,
  type VoiceTarget,
  type VoiceTargetDependencies,
  verifyTwilioSignature,
} from './voice-target.ts';

export interface CallRouteDependencies extends VoiceTargetDependencies {
  db: Db;
  clock: Clock;
  ingestor: Ingestor;
  publicUrl: string;
  /** How long the per-call value stays valid: Twilio opens the socket within seconds. */
  callTokenTtlMs: number;
}

/** The name of the per-call value among the socket's `customParameters`. */
export const CALL_TOKEN_PARAMETER = 'callToken';

const slugParams = z.object({ tenantSlug: z.string().min(1).max(100) });

/** The OpenAPI description of a Twilio voice webhook: a signed form in, TwiML out. */
function webhookSchema(summary: string, answer: string) {
  return {
    summary,
    consumes: ['application/x-www-form-urlencoded'],
    params: slugParams,
    body: z.unknown().describe('Twilio’s form, as it sends it; verified on the raw bytes, then read'),
    response: {
      200: { description: answer, content: { 'text/xml': { schema: z.string() } } },
      ...errorResponses('SIGNATURE_INVALID', 'NOT_FOUND', 'UNSUPPORTED_MEDIA_TYPE', 'VALIDATION_FAILED'),
    },
  };
}
const callSid = z.string().regex(/^CA[0-9a-fA-F]{32}$/, 'must be a Twilio call SID (CA and 32 hex digits)');
const incomingCall = z.object({
  CallSid: callSid,
  From: z.string().min(1).max(64),
  CallerName: z.string().max(200).optional(),
});
const callStatus = z.object({
  CallSid: callSid,
  CallStatus: z.enum([
    'queued',
    'ringing',
    'in-progress',
    'completed',
    'busy',
    'failed',
    'no-answer',
    'canceled',
  ]),
});
const connectEnded = z.object({ CallSid: callSid, HandoffData: z.string().max(10_000).optional() });

/** Twilio's forms as name → value; a name sent twice keeps its last value (the schema then judges it). */
function formOf(rawBody: Buffer): Record<string, string> {
  return Object.fromEntries(
    Object.entries(readForm(rawBody)).map(([name, value]) => [
      name,
      Array.isArray(value) ? value.at(-1)! : value,
    ]),
  );
}

/** The `wss://` base of the public URL, where Twilio opens sockets. */
export function socketBase(publicUrl: string): string {
  return publicUrl.replace(/^http/, 'ws');
}

/**
 * The call webhooks, each verified with `X-Twilio-Signature` over the raw form before
 * anything is stored: `POST /voice/incoming/:tenantSlug` stores the call and answers TwiML
 * that connects it to our socket with a signed per-call value; `POST /voice/status/:tenantSlug`
 * records how the call ended; `POST /voice/connected/:tenantSlug` (the `<Connect action>`)
 * transfers a call whose session ended in a handoff to the staff number.
 */
export async function callRoutes(app: FastifyInstance, dependencies: CallRouteDependencies): Promise<void> {
  const { db, clock, ingestor, publicUrl } = dependencies;

  // Signatures cover the exact bytes, so forms reach the handlers unparsed.
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'buffer' },
    (_request, body, done) => done(null, body),
  );

  /** Finds the tenant's line and checks the signature; returns the form it verified. */
  async function verified(
    request: FastifyRequest,
  ): Promise<{ target: VoiceTarget; form: Record<string, string> }> {
    const contentType = request.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
    if (contentType !== 'application/x-www-form-urlencoded') {
      throw new AppError(
        'UNSUPPORTED_MEDIA_TYPE',
        'voice webhooks must be application/x-www-form-urlencoded',
      );
    }
    const { tenantSlug } = parseInput(slugParams, request.params, 'path');
    const target = await findVoiceTarget(dependencies, tenantSlug);
    const rawBody = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    try {
      verifyTwilioSignature(target, { headers: request.headers, rawBody, url: `${publicUrl}${request.url}` });
    } catch (error) {
      request.log.warn({ channel: 'voice', reason: (error as AppError).message }, 'webhook rejected');
      throw error;
    }
    return { target, form: formOf(rawBody) };
  }

  const bodyLimit = 64 * 1024;

  app.post(
    '/voice/incoming/:tenantSlug',
    {
      bodyLimit,
      schema: webhookSchema('Voice (Twilio): an incoming call', 'TwiML that connects the call to our socket'),
    },
    async (request, reply) => {
      const { target, form } = await verified(request);
      const call = parseInput(incomingCall, form, 'body');
      await storeIncomingCall(ingestor, {
        tenantId: target.tenantId,
        callSid: call.CallSid,
        // E.164, so the caller is the same identity as that number's SMS and WhatsApp; an anonymous caller keeps Twilio's word.
        from: normalizePhone(call.From) ?? call.From,
        callerName: call.CallerName || undefined,
        at: new Date(clock.now()),
      });
      const token = signCallToken(
        {
          tenantId: target.tenantId,
          callSid: call.CallSid,
          expiresAt: clock.now() + dependencies.callTokenTtlMs,
        },
        target.credentials.authToken,
      );
      const slug = encodeURIComponent(target.slug);
      const connect = {
        actionUrl: `${publicUrl}/voice/connected/${slug}`,
        parameters: { [CALL_TOKEN_PARAMETER]: token },
      };
      const { settings } = target;
      const twiml =
        settings.mode === 'media_stream'
          ? mediaStreamTwiml({ ...connect, socketUrl: `${socketBase(publicUrl)}/voice/stream/${slug}` })
          : conversationRelayTwiml(
              { ...connect, socketUrl: `${socketBase(publicUrl)}/voice/relay/${slug}` },
              { language: settings.language, voice: settings.voice, greeting: settings.greeting },
            );
      return reply.type('text/xml').send(twiml);
    },
  );

  app.post(
    '/voice/status/:tenantSlug',
    {
      bodyLimit,
      schema: webhookSchema(
        'Voice (Twilio): call status callback',
        'empty TwiML; the call’s status is recorded',
      ),
    },
    async (request, reply) => {
      const { target, form } = await verified(request);
      const status = parseInput(callStatus, form, 'body');
      await recordCallStatus(db, target.tenantId, status.CallSid, status.CallStatus);
      return reply.type('text/xml').send('<Response/>');
    },
  );

  app.post(
    '/voice/connected/:tenantSlug',
    {
      bodyLimit,
      schema: webhookSchema(
        'Voice (Twilio): the <Connect action> when a session ends',
        '<Dial> to the staff number after a handoff, else <Hangup/>',
      ),
    },
    async (request, reply) => {
      const { target, form } = await verified(request);
      const ended = parseInput(connectEnded, form, 'body');
      const summary = await readSummary(db, target.tenantId, ended.CallSid);
      const staffNumber = target.settings.staffNumber;
      // Only a handoff our own session recorded transfers the call; HandoffData is Twilio's echo of it.
      return reply
        .type('text/xml')
        .send(summary?.handoff && staffNumber ? dialTwiml(staffNumber) : hangupTwiml());
    },
  );
}
