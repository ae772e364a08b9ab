// The view and engagement events of the seed's backend client
// (../shared/seeds/backend-analytics-client.ts). Its types file was not part of the seed, so
// the enums hold every value the client sends plus the common neighbours and `other`.
import { z } from 'zod';
import { amount, appName, contentReference } from './fields.ts';

export const contentType = z.enum(['post', 'page', 'profile', 'stream', 'message', 'other']);
export const deviceType = z.enum(['desktop', 'mobile', 'tablet', 'other']);
export const metricType = z.enum(['like', 'comment', 'share', 'subscribe', 'purchase', 'click', 'other']);
export const targetType = z.enum(['content', 'user', 'stream', 'product', 'other']);
export const businessEventType = z.enum([
  'message_sent',
  'message_received',
  'stream_started',
  'stream_ended',
  'payment_processed',
]);

/** Property schemas of the client's events as stored, by event name. */
export const clientEvents = {
  content_viewed: z.strictObject({
    app: appName,
    content_id: contentReference,
    content_type: contentType,
    device_type: deviceType,
    duration: amount.optional(),
  }),
  engagement_recorded: z.strictObject({
    metric_type: metricType,
    target_id: contentReference,
    target_type: targetType,
    business_event_type: businessEventType.optional(),
  }),
};
