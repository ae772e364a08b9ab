import { verifySmsRequest } from '../../channels/sms/verify.ts';
import {
  readVoiceSettings,
  type TwilioCredentials,
  twilioCredentials,
  type VoiceSettings,
} from '../../channels/voice/config.ts';
import type { ConnectorValues } from '../../core/connector.ts';
import { AppError } from '../../core/errors.ts';

/** The tenant's voice line a request was addressed to, found from the URL alone. */
export interface VoiceTarget {
  tenantId: string;
  slug: string;
  settings: VoiceSettings;
  credentials: TwilioCredentials;
}

export interface VoiceTargetDependencies {
  tenantBySlug(slug: string): Promise<{ id: string } | undefined>;
  loadConfig(tenantId: string, connectorId: string): Promise<ConnectorValues | undefined>;
}

/**
 * The tenant's voice line by slug, with the credentials that verify its requests. An
 * unknown tenant, a tenant without a voice connector and one without any Twilio account
 * get the same 404, so slugs cannot be discovered by probing.
 */
export async function findVoiceTarget(
  dependencies: VoiceTargetDependencies,
  slug: string,
): Promise<VoiceTarget> {
  const tenant = await dependencies.tenantBySlug(slug);
  const voice = tenant ? await dependencies.loadConfig(tenant.id, 'voice') : undefined;
  const credentials =
    tenant && voice ? twilioCredentials(voice, await dependencies.loadConfig(tenant.id, 'sms')) : undefined;
  if (!tenant || !voice || !credentials) {
    throw new AppError('NOT_FOUND', 'no voice line is configured at this address');
  }
  return { tenantId: tenant.id, slug, settings: readVoiceSettings(voice), credentials };
}

/**
 * Checks `X-Twilio-Signature` the way the SMS channel does (the same validator): `url` is the
 * exact URL Twilio called (https for webhooks, wss for a socket's opening request, which has
 * no body). Throws AppError('SIGNATURE_INVALID') when it fails.
 */
export function verifyTwilioSignature(
  target: VoiceTarget,
  request: { headers: Record<string, string | string[] | undefined>; rawBody: Buffer; url: string },
): void {
  const verified = verifySmsRequest(request, { auth_token: target.credentials.authToken });
  if (!verified.ok) throw new AppError('SIGNATURE_INVALID', verified.reason);
}
