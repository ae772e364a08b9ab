import { emailAdapter } from './email/adapter.ts';
import { instagramAdapter } from './instagram/adapter.ts';
import { messengerAdapter } from './messenger/adapter.ts';
import { smsAdapter } from './sms/adapter.ts';
import { telegramAdapter } from './telegram/adapter.ts';
import type { ChannelAdapter } from './types.ts';
import { voiceAdapter } from './voice/adapter.ts';
import { whatsappAdapter } from './whatsapp/adapter.ts';
import { whatsappQrAdapter } from './whatsapp-qr/adapter.ts';

/** Every channel Switchboard speaks, by id. Adding a channel is one folder and one line here. */
export const channels: Record<string, ChannelAdapter> = {
  [telegramAdapter.id]: telegramAdapter,
  [smsAdapter.id]: smsAdapter,
  [whatsappAdapter.id]: whatsappAdapter,
  [instagramAdapter.id]: instagramAdapter,
  [messengerAdapter.id]: messengerAdapter,
  [emailAdapter.id]: emailAdapter,
  [whatsappQrAdapter.id]: whatsappQrAdapter,
  [voiceAdapter.id]: voiceAdapter,
};
