import { telegramAdapter } from './telegram/adapter.ts';
import type { ChannelAdapter } from './types.ts';

/** Every channel Switchboard speaks, by id. Adding a channel is one folder and one line here. */
export const channels: Record<string, ChannelAdapter> = {
  [telegramAdapter.id]: telegramAdapter,
};
