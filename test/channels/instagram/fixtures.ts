import { fixturesIn } from '../meta/support.ts';

/** Meta's recorded Instagram bodies with their signatures. */
export const instagramFixtures = fixturesIn(new URL('../meta/fixtures/instagram/', import.meta.url));

/** The fixtures' account and (Instagram) app secret, as a tenant would configure them. */
export const instagramConfig = {
  instagram_account_id: '17841400000000001',
  page_access_token: 'EAAfakeInstagramPageToken0001',
  verify_token: 'fake-verify-token-2026',
  app_secret: 'fake_instagram_app_secret_cdef0123',
};
