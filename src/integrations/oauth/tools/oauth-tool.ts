// What every Google and Microsoft tool shares: its names for the registry and analytics, and
// a run that opens an API session on the tenant's grant and reports a 401 the session
// recovered from, so the registry records it as auto-recovered.
import type { z } from 'zod';
import { type Tool, type ToolContext, ToolError, type ToolResult } from '../../types.ts';
import { type ApiSession, openApiSession } from '../api-session.ts';
import type { Grants } from '../grants.ts';
import type { OAuthProviderId } from '../providers.ts';

/** Which provider and service a tool runs on, and where analytics file it. */
export interface ToolTarget {
  grants: Grants;
  provider: OAuthProviderId;
  /** The seed's service name (`gmail`, `outlook`…). */
  service: string;
  /** The connector service key that must be enabled (`gmail`, `outlook_calendar`…). */
  serviceKey: string;
}

type ToolShape<Input> = Omit<Tool<Input>, 'run' | 'connectorId' | 'provider' | 'service'> & {
  inputSchema: z.ZodType<Input>;
  run(input: Input, context: ToolContext, api: ApiSession): Promise<ToolResult>;
};

/** A registry tool for one OAuth service from a provider-neutral shape. */
export function oauthTool<Input>(target: ToolTarget, shape: ToolShape<Input>): Tool<Input> {
  return {
    ...shape,
    connectorId: target.provider,
    provider: target.provider,
    service: target.service,
    async run(input, context) {
      const services = (context.config.services ?? '')
        .split(',')
        .map((key) => key.trim())
        .filter(Boolean);
      if (services.length > 0 && !services.includes(target.serviceKey)) {
        throw new ToolError('permission_denied', `${target.serviceKey} is not enabled for this tenant`);
      }
      const api = openApiSession(target.grants, target.provider, context);
      const result = await shape.run(input, context, api);
      return api.recovery
        ? { ...result, recovered: { errorType: 'auth_expired', httpStatus: api.recovery.httpStatus } }
        : result;
    },
  };
}
