import { fixturesIn } from '../meta/support.ts';

/** The WhatsApp Cloud API fixtures: Meta's recorded bodies and this suite's own batches. */
export const whatsappFixtures = fixturesIn(new URL('../meta/fixtures/whatsapp-cloud/', import.meta.url));

/** The fixtures' app secret and business number, as a tenant would configure them. */
export const whatsappConfig = {
  phone_number_id: '100000000000001',
  access_token: 'EAAfakeWhatsAppSystemUserToken0001',
  verify_token: 'fake-verify-token-2026',
  app_secret: 'fake_meta_app_secret_0123456789ab',
};

/** A webhook body, as Meta serialises it, with one `messages` change of the fixtures' number carrying `value`. */
export function whatsappChange(value: Record<string, unknown>): string {
  return JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '200000000000001',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: {
                display_phone_number: '15550009999',
                phone_number_id: whatsappConfig.phone_number_id,
              },
              ...value,
            },
          },
        ],
      },
    ],
  });
}
