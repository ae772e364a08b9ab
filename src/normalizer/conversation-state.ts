import { AppError } from '../core/errors.ts';
import type { DbTransaction } from '../store/index.ts';

/**
 * Who answers a conversation: the agent (`bot`), nobody yet because the agent asked for a
 * person (`needs_human`), a member of staff (`human`), or nobody because it is done (`closed`).
 */
export const conversationStates = ['bot', 'needs_human', 'human', 'closed'] as const;
export type ConversationState = (typeof conversationStates)[number];

export type Transition = 'request_human' | 'takeover' | 'handback' | 'close' | 'reopen';

/** For each transition, the states it may start from and the state it ends in. */
const transitions: Record<Transition, { from: readonly ConversationState[]; to: ConversationState }> = {
  request_human: { from: ['bot'], to: 'needs_human' },
  takeover: { from: ['bot', 'needs_human'], to: 'human' },
  handback: { from: ['needs_human', 'human'], to: 'bot' },
  close: { from: ['bot', 'needs_human', 'human'], to: 'closed' },
  reopen: { from: ['closed'], to: 'bot' },
};

/** The state `transition` leads to from `state`, or undefined when it is not allowed from there. */
export function nextState(state: string, transition: Transition): ConversationState | undefined {
  const rule = transitions[transition];
  return (rule.from as readonly string[]).includes(state) ? rule.to : undefined;
}

export interface StateChange {
  tenantId: string;
  conversationId: string;
  transition: Transition;
  /** Who acted, as the audit log records it (`user:<id>`, `token:<id>`, `agent`). */
  actor: string;
}

export interface StateChanged {
  from: ConversationState;
  to: ConversationState;
  channel: string;
}

/**
 * Applies a transition in the caller's transaction and writes it into the transcript as an
 * internal row (kind `state`), which staff see and channels never send. The update is
 * conditional on the state read, so two staff racing to take over cannot both win: the
 * loser gets CONFLICT. Throws NOT_FOUND for a conversation outside the tenant.
 */
export async function changeState(tx: DbTransaction, change: StateChange): Promise<StateChanged> {
  const { tenantId, conversationId, transition } = change;
  const conversation = await tx.conversation.findFirst({
    where: { id: conversationId, tenantId },
    select: { state: true, channel: true },
  });
  if (!conversation) throw new AppError('NOT_FOUND', `there is no conversation "${conversationId}"`);
  const to = nextState(conversation.state, transition);
  const changed = to
    ? await tx.conversation.updateMany({
        where: { id: conversationId, tenantId, state: conversation.state },
        data: { state: to },
      })
    : { count: 0 };
  if (!to || changed.count === 0) {
    throw new AppError(
      'CONFLICT',
      `cannot ${transition.replace('_', ' ')} a conversation in state "${conversation.state}"`,
    );
  }
  const from = conversation.state as ConversationState;
  await recordInTranscript(tx, { ...change, channel: conversation.channel, from, to });
  return { from, to, channel: conversation.channel };
}

/** The transcript's row for a state change: internal, so staff see it and channels never send it. */
async function recordInTranscript(tx: DbTransaction, change: StateChange & StateChanged): Promise<void> {
  const { tenantId, conversationId, channel, transition, from, to, actor } = change;
  await tx.message.create({
    data: {
      tenantId,
      conversationId,
      channel,
      direction: 'internal',
      kind: 'state',
      text: `${from} → ${to}`,
      parts: JSON.stringify([{ type: 'state', transition, from, to, actor }]),
      status: 'recorded',
    },
  });
}

/** Who reopens a closed conversation by writing to it, in the transcript and the audit log. */
export const CUSTOMER_ACTOR = 'customer';

/**
 * A customer wrote to conversations: each that was `closed` is reopened to `bot` (the
 * `reopen` transition, by the customer), so the agent answers the new message as it would
 * any other; `needs_human` and `human` stay with staff. Runs in the transaction that stores
 * the messages, so the respond job finds the conversation open. A message whose
 * `conversationState` the transaction already read (ingest's conversation lookup) is not
 * looked up again unless that state was `closed`; the others take one query for the whole
 * batch, and nothing more unless a conversation was closed. A conversation someone else
 * reopened meanwhile is skipped, never an error: the message must be stored regardless.
 * Returns the conversations it reopened.
 */
export async function reopenWhenCustomerWrites(
  tx: DbTransaction,
  messages: ReadonlyArray<{ tenantId: string; conversationId: string; conversationState?: string }>,
): Promise<Array<{ tenantId: string; conversationId: string }>> {
  const candidates = messages.filter(
    (message) => message.conversationState === undefined || message.conversationState === 'closed',
  );
  if (candidates.length === 0) return [];
  const closed = await tx.conversation.findMany({
    where: { id: { in: [...new Set(candidates.map((message) => message.conversationId))] }, state: 'closed' },
    select: { id: true, tenantId: true, channel: true },
  });
  const reopened: Array<{ tenantId: string; conversationId: string }> = [];
  for (const conversation of closed) {
    const changed = await tx.conversation.updateMany({
      where: { id: conversation.id, tenantId: conversation.tenantId, state: 'closed' },
      data: { state: transitions.reopen.to },
    });
    if (changed.count === 0) continue;
    const scope = { tenantId: conversation.tenantId, conversationId: conversation.id };
    await recordInTranscript(tx, {
      ...scope,
      channel: conversation.channel,
      transition: 'reopen',
      actor: CUSTOMER_ACTOR,
      from: 'closed',
      to: transitions.reopen.to,
    });
    reopened.push(scope);
  }
  return reopened;
}
