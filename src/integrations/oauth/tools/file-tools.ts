// `search_files` on Drive and OneDrive: names, links and times of matching files for the
// model (never content). Staff search the whole drive; a customer conversation searches only
// the folder the tenant shared (the connector's `shared_folder`), and nothing without one.
// Analytics record the count only, never a file name.
import { z } from 'zod';
import { type Tool, ToolError } from '../../types.ts';
import { outsideTextNotice } from '../../untrusted.ts';
import type { ApiSession } from '../api-session.ts';
import { oauthTool, type ToolTarget } from './oauth-tool.ts';

export const searchFilesInput = z.object({
  query: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .regex(/^[^'\\\r\n]*$/, 'no quotes, backslashes or line breaks')
    .describe('Words in the file name, e.g. "price list".'),
  limit: z.number().int().min(1).max(20).default(10).describe('How many files, 1-20.'),
});

export type SearchFilesInput = z.infer<typeof searchFilesInput>;

export interface FoundFile {
  name: string;
  link: string;
  modified: string;
}

export interface FilesApi {
  /** Files whose name matches, within `folder` (an id or path the tenant shared) when given. */
  search(api: ApiSession, input: SearchFilesInput, folder: string | undefined): Promise<FoundFile[]>;
}

export function fileTools(target: ToolTarget, files: FilesApi): Tool[] {
  const searchFiles = oauthTool<SearchFilesInput>(target, {
    name: 'search_files',
    description:
      "Search the business's files by name: names, links and last change. In a customer conversation only the folder the business shared.",
    actionType: 'search',
    audience: 'customer',
    reads: ['files'],
    sideEffect: false,
    dataType: 'files',
    inputSchema: searchFilesInput,
    async run(input, context, api) {
      const shared = context.config.shared_folder?.trim() || undefined;
      if (context.caller.kind === 'customer' && !shared) {
        throw new ToolError('permission_denied', 'search_files: no folder is shared with customers');
      }
      const found = (
        await files.search(api, input, context.caller.kind === 'customer' ? shared : undefined)
      ).slice(0, input.limit);
      return {
        content: JSON.stringify({ notice: outsideTextNotice, files: found }),
        itemsProcessed: found.length,
      };
    },
  });
  return [searchFiles as Tool];
}
