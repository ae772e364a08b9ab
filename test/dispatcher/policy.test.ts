import { describe, expect, it } from 'vitest';
import { createPacer } from '../../src/dispatcher/pacing.ts';
import { decideDelivery, type PolicyInput } from '../../src/dispatcher/policy.ts';

const HOUR = 60 * 60 * 1000;
const now = Date.UTC(2026, 10, 23, 12);
const metaPolicy = { customerServiceWindowHours: 24, humanAgentWindowHours: 7 * 24 };

function decide(overrides: Partial<PolicyInput>) {
  return decideDelivery({
    policy: metaPolicy,
    author: 'agent',
    lastInboundAt: new Date(now - HOUR),
    nowMs: now,
    fallbackTemplate: undefined,
    ...overrides,
  });
}

describe('delivery policy', () => {
  it('sends anything on a channel without a window', () => {
    expect(decide({ policy: undefined, lastInboundAt: null })).toEqual({ action: 'send' });
  });

  it('sends free-form inside the 24-hour window, up to its last millisecond', () => {
    expect(decide({})).toEqual({ action: 'send' });
    expect(decide({ lastInboundAt: new Date(now - 24 * HOUR) })).toEqual({ action: 'send' });
  });

  it('holds a free-form agent message outside the window when no template is configured', () => {
    const decision = decide({ lastInboundAt: new Date(now - 24 * HOUR - 1) });
    expect(decision).toMatchObject({ action: 'hold' });
    expect(decision.action === 'hold' && decision.reason).toMatch(/24-hour customer-service window/);
  });

  it('holds when the customer never wrote (a business-initiated message)', () => {
    expect(decide({ lastInboundAt: null })).toMatchObject({ action: 'hold' });
  });

  it('sends the configured template instead outside the window', () => {
    const template = { name: 'follow_up', language: 'de' };
    expect(decide({ lastInboundAt: new Date(now - 30 * HOUR), fallbackTemplate: template })).toEqual({
      action: 'send',
      template,
    });
  });

  it('tags a staff reply within seven days, and not later', () => {
    expect(decide({ author: 'staff', lastInboundAt: new Date(now - 6 * 24 * HOUR) })).toEqual({
      action: 'send',
      humanAgentTag: true,
    });
    expect(decide({ author: 'staff', lastInboundAt: new Date(now - 8 * 24 * HOUR) })).toMatchObject({
      action: 'hold',
    });
  });

  it('never tags an agent message, however recent the window', () => {
    expect(decide({ author: 'agent', lastInboundAt: new Date(now - 2 * 24 * HOUR) })).toMatchObject({
      action: 'hold',
    });
  });
});

describe('pacing', () => {
  it('spaces sends to one key evenly at its rate', () => {
    let time = 0;
    const pacer = createPacer({ now: () => time });
    const waits = [0, 1, 2, 3].map(() => pacer.reserve([{ key: 'chat', perSecond: 2 }]));
    expect(waits).toEqual([0, 500, 1000, 1500]);
    time = 5_000;
    expect(pacer.reserve([{ key: 'chat', perSecond: 2 }])).toBe(0);
  });

  it('waits for the slowest of several limits and keeps keys apart', () => {
    const pacer = createPacer({ now: () => 0 });
    expect(
      pacer.reserve([
        { key: 'account', perSecond: 80 },
        { key: 'chat-1', perSecond: 1 },
      ]),
    ).toBe(0);
    expect(
      pacer.reserve([
        { key: 'account', perSecond: 80 },
        { key: 'chat-1', perSecond: 1 },
      ]),
    ).toBe(1000);
    expect(
      pacer.reserve([
        { key: 'account', perSecond: 80 },
        { key: 'chat-2', perSecond: 1 },
      ]),
    ).toBe(1012.5);
  });
});
