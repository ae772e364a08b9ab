import { caldavIntegration } from './caldav/integration.ts';
import { imapIntegration } from './imap/integration.ts';
import type { Integration } from './types.ts';

/** Every tool integration, by connector id: the hub lists them, the agent takes their tools. */
export const integrations: Record<string, Integration> = {
  [imapIntegration.id]: imapIntegration,
  [caldavIntegration.id]: caldavIntegration,
};
