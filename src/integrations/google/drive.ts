// Google Drive over its REST API (v3): file metadata only (the grant's scope reads no content).
import type { FilesApi } from '../oauth/tools/file-tools.ts';

interface DriveFile {
  name?: string;
  webViewLink?: string;
  modifiedTime?: string;
}

/** Drive's API below the operator's GOOGLE_API_URL. */
export function driveApi(apiUrl: string): FilesApi {
  return {
    async search(api, input, folder) {
      const url = new URL(`${apiUrl}/drive/v3/files`);
      // The input allows no quotes or backslashes, so it cannot leave the string literal.
      const conditions = [`name contains '${input.query}'`, 'trashed = false'];
      if (folder) conditions.push(`'${folder.replace(/['\\]/g, '')}' in parents`);
      url.searchParams.set('q', conditions.join(' and '));
      url.searchParams.set('fields', 'files(name,webViewLink,modifiedTime)');
      url.searchParams.set('pageSize', String(input.limit));
      url.searchParams.set('orderBy', 'modifiedTime desc');
      const found = await api.json<{ files?: DriveFile[] }>(url.toString(), { what: 'drive files.list' });
      return (found.files ?? []).map((file) => ({
        name: file.name ?? '',
        link: file.webViewLink ?? '',
        modified: file.modifiedTime ?? '',
      }));
    },
  };
}
