import { readAccessToken, readGraphId } from '../meta/config.ts';
import type { SendApiChannel } from '../meta/messaging-send.ts';

/** Messenger's limit for one text message; the dispatcher splits longer replies. */
export const MESSENGER_MAX_TEXT_LENGTH = 2000;

/** Messenger's Send API: the page's own `messages` edge, with the page access token. */
export const messengerSendApi: SendApiChannel = {
  channelName: 'Messenger',
  account: (config) => ({
    path: `${readGraphId(config, 'page_id')}/messages`,
    accessToken: readAccessToken(config, 'page_access_token'),
  }),
  textProblem(text) {
    if (text.trim() === '') return 'message text is empty';
    if (text.length > MESSENGER_MAX_TEXT_LENGTH) {
      return `message text is ${text.length} characters; Messenger accepts at most ${MESSENGER_MAX_TEXT_LENGTH}`;
    }
    return undefined;
  },
};
