// OneDrive search over Microsoft Graph: names, links and times of matching items.
import type { FilesApi } from '../oauth/tools/file-tools.ts';
import type { GraphClient } from './graph-client.ts';

interface DriveItem {
  name?: string;
  webUrl?: string;
  lastModifiedDateTime?: string;
}

export function oneDriveApi(graph: GraphClient): FilesApi {
  return {
    async search(api, input, folder) {
      // The input allows no quotes, so it cannot leave the search literal.
      const search = `search(q='${input.query}')`;
      const path = folder
        ? `/me/drive/root:/${folder.split('/').filter(Boolean).map(encodeURIComponent).join('/')}:/${search}`
        : `/me/drive/root/${search}`;
      const page = await graph.get<{ value: DriveItem[] }>(api, path, {
        $select: 'name,webUrl,lastModifiedDateTime',
        $top: String(input.limit),
      });
      return page.value.map((item) => ({
        name: item.name ?? '',
        link: item.webUrl ?? '',
        modified: item.lastModifiedDateTime ?? '',
      }));
    },
  };
}
