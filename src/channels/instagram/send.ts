import { readAccessToken, readGraphId } from '../meta/config.ts';
import type { SendApiChannel } from '../meta/messaging-send.ts';
import { INSTAGRAM_MAX_TEXT_BYTES } from './split.ts';

/**
 * Instagram's Send API through the page linked to the account: `me/messages` with the page
 * access token, addressed to the customer's Instagram-scoped id.
 */
export const instagramSendApi: SendApiChannel = {
  channelName: 'Instagram',
  account(config) {
    // Checked so a send with a half-filled configuration fails clearly instead of at Meta.
    readGraphId(config, 'instagram_account_id');
    return { path: 'me/messages', accessToken: readAccessToken(config, 'page_access_token') };
  },
  textProblem(text) {
    if (text.trim() === '') return 'message text is empty';
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > INSTAGRAM_MAX_TEXT_BYTES) {
      return `message text is ${bytes} bytes; Instagram accepts at most ${INSTAGRAM_MAX_TEXT_BYTES} bytes of UTF-8`;
    }
    return undefined;
  },
};
