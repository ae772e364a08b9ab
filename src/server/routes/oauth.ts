import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { writeAudit } from '../../connectors/audit.ts';
import type { OAuthFlow } from '../../integrations/oauth/flow.ts';
import { isOAuthProvider, type OAuthProviderId } from '../../integrations/oauth/providers.ts';
import { newBrowserNonce } from '../../integrations/oauth/state.ts';
import type { Db } from '../../store/index.ts';
import { tenantCaller } from '../caller.ts';
import { actorOfRequest } from '../session-auth.ts';
import { parseInput } from '../validate.ts';

/**
 * Binds a started authorization to the browser that started it. SameSite=Lax, unlike the
 * session cookie: the provider's redirect back is a cross-site navigation, which a Strict
 * cookie would not survive. It holds a random nonce only; the state row keeps its hash.
 */
export const OAUTH_BROWSER_COOKIE = 'switchboard_oauth';
const CALLBACK_PATH = '/oauth/callback';

const providerParams = z.object({
  provider: z.string().refine(isOAuthProvider, 'must be google or microsoft'),
});
const connectQuery = z.object({
  services: z
    .string()
    .regex(/^[a-z_]+(,[a-z_]+)*$/, 'must be a comma-separated list such as gmail,google_calendar')
    .optional(),
});
/** What the provider sends back: the state always; a code, or an error with its codes. */
const callbackQuery = z.object({
  state: z.string().min(1).max(2_000),
  code: z.string().max(4_000).optional(),
  error: z.string().max(200).optional(),
  error_subcode: z.string().max(200).optional(),
  error_description: z.string().max(2_000).optional(),
  scope: z.string().max(4_000).optional(),
  iss: z.string().max(500).optional(),
  authuser: z.string().max(20).optional(),
  prompt: z.string().max(50).optional(),
  session_state: z.string().max(200).optional(),
  hd: z.string().max(253).optional(),
});

const providerOf = (request: FastifyRequest) =>
  parseInput(providerParams, request.params, 'path').provider as OAuthProviderId;

/** The admin half: start a connection, see its status, disconnect. */
export async function oauthAdminRoutes(
  app: FastifyInstance,
  options: { flow: OAuthFlow; db: Db },
): Promise<void> {
  const { flow, db } = options;

  app.get('/admin/integrations/:provider/connect', async (request, reply: FastifyReply) => {
    const caller = tenantCaller(request);
    const provider = providerOf(request);
    const query = parseInput(connectQuery, request.query, 'query');
    const browserNonce = request.cookies[OAUTH_BROWSER_COOKIE] || newBrowserNonce();
    const url = await flow.start({
      tenantId: caller.tenantId,
      provider,
      actor: actorOfRequest(request, caller),
      services: query.services?.split(','),
      browserNonce,
    });
    reply.setCookie(OAUTH_BROWSER_COOKIE, browserNonce, {
      path: CALLBACK_PATH,
      httpOnly: true,
      sameSite: 'lax',
      secure: request.protocol === 'https' || request.headers['x-forwarded-proto'] === 'https',
      maxAge: 60 * 60,
    });
    return reply.redirect(url.toString(), 302);
  });

  app.get('/admin/integrations/:provider/status', async (request) =>
    flow.status(tenantCaller(request).tenantId, providerOf(request)),
  );

  app.post('/admin/integrations/:provider/disconnect', async (request) => {
    const caller = tenantCaller(request);
    const provider = providerOf(request);
    const { revoked } = await flow.disconnect(caller.tenantId, provider);
    await writeAudit(db, {
      tenantId: caller.tenantId,
      actor: actorOfRequest(request, caller),
      action: 'integration.disconnected',
      target: provider,
      details: { revoked },
    });
    return { provider, status: 'disconnected', revoked };
  });
}

/**
 * The provider's redirect back. A state that this gateway did not issue, that was used, or
 * that another browser started is refused (403); anything else sends staff back to the
 * integrations page with the result (`oauth=connected|failed`, and the error type).
 */
export async function oauthCallbackRoutes(
  app: FastifyInstance,
  options: { flow: OAuthFlow; db: Db; publicUrl: string },
): Promise<void> {
  const { flow, db, publicUrl } = options;
  app.get(`${CALLBACK_PATH}/:provider`, async (request, reply) => {
    const provider = providerOf(request);
    const query = parseInput(callbackQuery, request.query, 'callback');
    const parameters = new URLSearchParams(
      Object.entries(query).filter((entry): entry is [string, string] => entry[1] !== undefined),
    );
    const result = await flow.complete(provider, parameters, request.cookies[OAUTH_BROWSER_COOKIE]);
    await writeAudit(db, {
      tenantId: result.tenantId,
      actor: result.actor,
      action: result.ok ? 'integration.connected' : 'integration.connect_failed',
      target: provider,
      details: result.ok ? { services: result.services } : { errorType: result.errorType },
    });
    const back = new URL(`${publicUrl}/`);
    back.searchParams.set('oauth', result.ok ? 'connected' : 'failed');
    if (!result.ok) back.searchParams.set('error', result.errorType);
    back.hash = `#/integrations/${provider}`;
    return reply.redirect(back.toString(), 302);
  });
}
