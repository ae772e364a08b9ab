import type { Grants } from '../oauth/grants.ts';
import { oauthFields, oauthIntegration } from '../oauth/integration.ts';
import { googleProvider, type OAuthHosts } from '../oauth/providers.ts';
import { calendarTools } from '../oauth/tools/calendar-tools.ts';
import { fileTools } from '../oauth/tools/file-tools.ts';
import { mailTools } from '../oauth/tools/mail-tools.ts';
import type { Integration } from '../types.ts';
import { googleCalendarApi } from './calendar.ts';
import { googleDocs } from './docs.ts';
import { driveApi } from './drive.ts';
import { gmailApi } from './gmail.ts';

/**
 * Gmail, Google Calendar and Drive for the agent, over typed REST calls through the egress
 * fetch. (The `@googleapis/*` clients' current majors need Node 22 and bring their own HTTP
 * stack, which would bypass the egress guard.)
 */
export function createGoogleIntegration(options: {
  hosts: OAuthHosts;
  redirectUri: string;
  grants: Grants;
}): Integration {
  const { hosts, grants } = options;
  const target = (service: 'gmail' | 'google_calendar' | 'google_drive') => ({
    grants,
    provider: 'google' as const,
    service,
    serviceKey: service,
  });
  return oauthIntegration({
    provider: googleProvider,
    hosts,
    redirectUri: options.redirectUri,
    definition: {
      id: 'google',
      name: 'Google (Gmail, Calendar, Drive)',
      category: 'productivity',
      fields: [
        ...oauthFields(googleProvider),
        {
          key: 'shared_folder',
          label: 'Shared folder',
          required: false,
          secret: false,
          description: 'Drive folder id customers may search with search_files; none when empty.',
        },
      ],
      docs: googleDocs(options.redirectUri),
    },
    tools: [
      ...mailTools(target('gmail'), gmailApi(hosts.googleApi)),
      ...calendarTools(target('google_calendar'), googleCalendarApi(hosts.googleApi)),
      ...fileTools(target('google_drive'), driveApi(hosts.googleApi)),
    ],
  });
}
