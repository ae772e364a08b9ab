import type { Grants } from '../oauth/grants.ts';
import { oauthFields, oauthIntegration } from '../oauth/integration.ts';
import { microsoftProvider, type OAuthHosts } from '../oauth/providers.ts';
import { calendarTools } from '../oauth/tools/calendar-tools.ts';
import { fileTools } from '../oauth/tools/file-tools.ts';
import { mailTools } from '../oauth/tools/mail-tools.ts';
import type { Integration } from '../types.ts';
import { microsoftDocs } from './docs.ts';
import { createGraphClient } from './graph-client.ts';
import { oneDriveApi } from './onedrive.ts';
import { outlookCalendarApi } from './outlook-calendar.ts';
import { outlookMailApi } from './outlook-mail.ts';

/** Outlook mail and calendar and OneDrive for the agent, over Microsoft Graph. */
export function createMicrosoftIntegration(options: {
  hosts: OAuthHosts;
  redirectUri: string;
  grants: Grants;
}): Integration {
  const { hosts, grants } = options;
  const graph = createGraphClient(hosts.microsoftGraph);
  const target = (service: 'outlook' | 'onedrive', serviceKey: string) => ({
    grants,
    provider: 'microsoft' as const,
    service,
    serviceKey,
  });
  return oauthIntegration({
    provider: microsoftProvider,
    hosts,
    redirectUri: options.redirectUri,
    definition: {
      id: 'microsoft',
      name: 'Microsoft 365 (Outlook, OneDrive)',
      category: 'productivity',
      fields: [
        ...oauthFields(microsoftProvider),
        {
          key: 'tenant',
          label: 'Tenant',
          required: false,
          secret: false,
          description: 'Directory (tenant) id or domain, organizations, or common (the default).',
        },
        {
          key: 'shared_folder',
          label: 'Shared folder',
          required: false,
          secret: false,
          description: 'OneDrive folder path customers may search with search_files; none when empty.',
        },
      ],
      docs: microsoftDocs(options.redirectUri),
    },
    tools: [
      ...mailTools(target('outlook', 'outlook_mail'), outlookMailApi(graph)),
      ...calendarTools(target('outlook', 'outlook_calendar'), outlookCalendarApi(graph)),
      ...fileTools(target('onedrive', 'onedrive'), oneDriveApi(graph)),
    ],
  });
}
