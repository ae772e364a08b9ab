import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { whatsappChange } from '../channels/whatsapp/fixtures.ts';
import { FAKE_APP_SECRET, FAKE_WHATSAPP } from '../fakes/meta-graph.ts';
import { type MetaWorld, startMetaWorld } from '../pipeline/meta-gateway.ts';

describe('a Meta batch with malformed items', () => {
  let world: MetaWorld;

  beforeEach(async () => {
    world = await startMetaWorld();
    await world.configure('whatsapp', {
      phone_number_id: FAKE_WHATSAPP.phoneNumberId,
      access_token: FAKE_WHATSAPP.accessToken,
      verify_token: 'fake-verify-token-2026',
      app_secret: FAKE_APP_SECRET,
    });
  });

  afterEach(async () => {
    await world.close();
  });

  it('stores the good items and counts the skipped ones in its answer instead of dropping them silently', async () => {
    const customer = '15550000001';
    const body = whatsappChange({
      contacts: [{ profile: { name: 'Ada Test' }, wa_id: customer }],
      messages: [
        { from: customer, id: 'wamid.GOOD', timestamp: '1767268800', type: 'text', text: { body: 'Hallo' } },
        { from: customer, id: 42, timestamp: 'soon', type: 'text', text: { body: 'secret text' } },
        { from: customer, timestamp: '1767268800', type: 'text' },
      ],
    });
    const response = await world.post('whatsapp', body, FAKE_APP_SECRET);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ stored: 1, skipped: 2 });
    expect(response.body).not.toContain('secret text');
  });
});
