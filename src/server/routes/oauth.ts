import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { writeAudit } from '../../connectors/audit.ts';
import type { OAuthFlow } from '../../integrations/oauth/flow.ts';
import { isOAuthProvider, type OAuthProviderId } from '../../integrations/oauth/providers.ts';
import { newBrowserNonce } from '../../integrations/oauth/state.ts';
import type { Db } from '../../store/index.ts';
import { tenantCaller } from '../caller.ts';
import { errorResponses } from '../openapi.ts';
import { actorOfRequest } from '../session-auth.ts';

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
  (request.params as z.infer<typeof providerParams>).provider as OAuthProviderId;

const grantStatus = z.object({
  provider: z.enum(['google', 'microsoft']),
  status: z.string().describe('connected, error (connect again) or disconnected'),
  services: z.array(z.string()),
  scopesGranted: z.int(),
  connectedAt: z.string().nullable(),
});
const connectSchema = {
  summary: 'start connecting: answers 302 to the provider’s consent screen (PKCE, a signed single-use state)',
  params: providerParams,
  querystring: connectQuery,
  response: errorResponses('VALIDATION_FAILED', 'BAD_REQUEST', 'NOT_FOUND'),
};
const statusSchema = {
  summary: 'whether the tenant’s grant with the provider is connected (never a token)',
  params: providerParams,
  response: { 200: grantStatus, ...errorResponses('VALIDATION_FAILED', 'BAD_REQUEST') },
};
const disconnectSchema = {
  summary: 'revoke the grant at the provider where it can, and delete the tokens',
  params: providerParams,
  response: {
    200: z.object({ provider: z.string(), status: z.literal('disconnected'), revoked: z.boolean() }),
    ...errorResponses('VALIDATION_FAILED', 'BAD_REQUEST', 'NOT_FOUND'),
  },
};
const callbackSchema = {
  summary: 'the provider’s redirect back: answers 302 to the integrations page with the result',
  params: providerParams,
  querystring: callbackQuery,
  response: errorResponses('VALIDATION_FAILED', 'FORBIDDEN'),
};

/** The admin half: start a connection, see its status, disconnect. */
export async function oauthAdminRoutes(
  app: FastifyInstance,
  options: { flow: OAuthFlow; db: Db },
): Promise<void> {
  const { flow, db } = options;
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get('/admin/integrations/:provider/connect', { schema: connectSchema }, async (request, reply) => {
    const caller = tenantCaller(request);
    const provider = providerOf(request);
    const query = request.query;
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

  api.get('/admin/integrations/:provider/status', { schema: statusSchema }, async (request) =>
    flow.status(tenantCaller(request).tenantId, providerOf(request)),
  );

  api.post('/admin/integrations/:provider/disconnect', { schema: disconnectSchema }, async (request) => {
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
    return { provider, status: 'disconnected' as const, revoked };
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
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.get(`${CALLBACK_PATH}/:provider`, { schema: callbackSchema }, async (request, reply) => {
    const provider = providerOf(request);
    const query = request.query;
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
