import { fixturesIn } from '../meta/support.ts';

/** Meta's recorded Messenger bodies with their signatures. */
export const messengerFixtures = fixturesIn(new URL('../meta/fixtures/messenger/', import.meta.url));

/** The fixtures' page and app secret, as a tenant would configure them. */
export const messengerConfig = {
  page_id: '1000000000000001',
  page_access_token: 'EAAfakeMessengerPageToken0001',
  verify_token: 'fake-verify-token-2026',
  app_secret: 'fake_meta_app_secret_0123456789ab',
};
