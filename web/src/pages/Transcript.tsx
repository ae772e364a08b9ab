import { type FormEvent, useCallback, useEffect, useState } from 'react';
import {
  ApiError,
  api,
  type ConversationDetail,
  type Me,
  type MessageItem,
  type StaffUser,
  upload,
} from '../api.ts';
import { useI18n } from '../i18n.ts';
import { UserOptions } from './UserOptions.tsx';

/** One row of the transcript: a message in either direction, or an internal row for staff. */
function Row({ message }: { message: MessageItem }) {
  const { t } = useI18n();
  const part = message.parts[0] ?? {};
  if (message.direction === 'internal') {
    const label =
      message.kind === 'tool_call'
        ? `${t.toolCall}: ${String(part.tool)}${part.provider && part.provider !== 'none' ? ` (${String(part.provider)})` : ''} — ${part.success ? 'ok' : String(part.errorType ?? 'failed')}, ${String(part.itemsProcessed ?? 0)} items, ${String(part.durationMs ?? 0)} ms`
        : message.kind === 'state'
          ? `${t.stateChange}: ${message.text ?? ''}`
          : message.kind === 'note'
            ? `📝 ${message.text ?? ''}`
            : (message.text ?? message.kind);
    return (
      <li className="message internal" data-kind={message.kind}>
        {label}
        <div className="meta">{new Date(message.createdAt).toLocaleString()}</div>
      </li>
    );
  }
  const media = message.parts.filter((candidate) => candidate.type !== 'text' && candidate.type !== 'thread');
  // A reply the dispatcher gave up on is `failed` with a reason that says so.
  const status =
    message.status === 'failed' && message.error?.startsWith('dead-lettered') ? 'dead' : message.status;
  const statusLabel =
    status === 'dead' ? t.status_dead : status === 'needs_template' ? t.status_needs_template : status;
  return (
    <li className={`message ${message.direction}`} data-direction={message.direction}>
      {(message.text !== null || media.length === 0) && <div>{message.text ?? `[${message.kind}]`}</div>}
      {media.map((part, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: parts have no id and never reorder.
        <div key={index} className="media" data-part={String(part.type)}>
          {describePart(part, t)}
        </div>
      ))}
      {message.edits.map((edit) => (
        <div key={edit.replacedAt} className="meta" data-edit>
          {t.earlier}: {edit.text}
        </div>
      ))}
      <div className="meta">
        {new Date(message.createdAt).toLocaleString()} · <span data-status={status}>{statusLabel}</span>
        {message.editedAt ? ` · ${t.edited}` : ''}
        {message.error ? ` · ${message.error}` : ''}
      </div>
    </li>
  );
}

/**
 * A part that is not text, as a line: media by reference (type, file name, size and caption;
 * the bytes stay with the provider), a location, a shared contact, a button press.
 */
function describePart(part: Record<string, unknown>, t: ReturnType<typeof useI18n>['t']): string {
  const details = (values: unknown[]) =>
    values.filter((value) => value !== undefined && value !== '').join(', ');
  switch (part.type) {
    case 'media': {
      const size = typeof part.sizeBytes === 'number' ? `${Math.ceil(part.sizeBytes / 1024)} KiB` : undefined;
      const about = details([part.fileName, part.mimeType, size, part.tooLarge ? t.tooLarge : undefined]);
      return `📎 ${t.media}: ${String(part.mediaType)}${about ? ` (${about})` : ''}${part.caption ? ` — ${String(part.caption)}` : ''}`;
    }
    case 'location':
      return `📍 ${details([part.name, `${String(part.latitude)}, ${String(part.longitude)}`])}`;
    case 'contact':
      return `👤 ${details([part.name, part.phone])}`;
    case 'interactive':
      return `▶ ${String(part.title ?? part.payload)}`;
    case 'call':
      return describeCall(part, t);
    default:
      return String(part.type);
  }
}

/**
 * A phone call's summary (the first part of its `call` message): mode, duration, how it ended,
 * turns, tool calls, interruptions, a transfer, and the median time from the caller's end of
 * speech to the first word sent back. What was said is in the rows that follow it.
 */
function describeCall(part: Record<string, unknown>, t: ReturnType<typeof useI18n>['t']): string {
  const latencies = (Array.isArray(part.latencyMs) ? (part.latencyMs as number[]) : []).toSorted(
    (a, b) => a - b,
  );
  const median = latencies.length > 0 ? latencies[Math.floor((latencies.length - 1) / 2)] : undefined;
  const handoff = part.handoff as { to?: string } | null | undefined;
  const facts = [
    String(part.mode),
    typeof part.durationMs === 'number' ? `${Math.round(part.durationMs / 1000)} s` : t.callOngoing,
    part.ended ? `${t.callEnded}: ${String(part.ended)}` : undefined,
    `${String(part.turns ?? 0)} ${t.turns}`,
    `${String(part.toolCalls ?? 0)} ${t.toolCalls}`,
    `${String(part.interruptions ?? 0)} ${t.interruptions}`,
    handoff?.to ? `${t.transferredTo} ${handoff.to}` : undefined,
    median === undefined ? undefined : `${t.latency} ${median} ms`,
  ];
  return `📞 ${t.call}: ${facts.filter((fact) => fact !== undefined).join(', ')}`;
}

/** Every page of the transcript, oldest first: the newest messages are on the last page. */
async function wholeTranscript(id: string): Promise<MessageItem[]> {
  const items: MessageItem[] = [];
  let cursor: string | null = '';
  while (cursor !== null) {
    const page: { items: MessageItem[]; nextCursor: string | null } = await api(
      'GET',
      `/admin/conversations/${id}/messages?limit=200${cursor ? `&cursor=${cursor}` : ''}`,
    );
    items.push(...page.items);
    cursor = page.nextCursor;
  }
  return items;
}

export function Transcript(props: { id: string; me: Me; users: StaffUser[]; version: number }) {
  const { t } = useI18n();
  const { id, users, version } = props;
  const [conversation, setConversation] = useState<ConversationDetail>();
  const [messages, setMessages] = useState<MessageItem[]>([]);
  const [reply, setReply] = useState('');
  const [note, setNote] = useState('');
  const [file, setFile] = useState<File>();
  const [caption, setCaption] = useState('');
  const [error, setError] = useState('');

  const load = useCallback(async () => {
    const [detail, items] = await Promise.all([
      api<ConversationDetail>('GET', `/admin/conversations/${id}`),
      wholeTranscript(id),
    ]);
    setConversation(detail);
    setMessages(items);
    // Opening the transcript reads it, up to the newest message shown.
    const newest = items.at(-1);
    if (detail.unread > 0 && newest)
      await api('POST', `/admin/conversations/${id}/read`, { messageId: newest.id }).catch(() => undefined);
  }, [id]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `version` changes on live events and reloads.
  useEffect(() => {
    void load();
  }, [load, version]);

  async function act(path: string, body?: unknown) {
    setError('');
    try {
      await api('POST', `/admin/conversations/${id}/${path}`, body);
      await load();
    } catch (caught) {
      setError(caught instanceof ApiError ? caught.message : String(caught));
    }
  }

  async function send(event: FormEvent) {
    event.preventDefault();
    await act('messages', { text: reply });
    setReply('');
  }

  /** Sends the chosen file through the outbox; the server says when the channel cannot send it. */
  async function sendFile(event: FormEvent) {
    event.preventDefault();
    if (!file) return;
    setError('');
    try {
      const fileName = file.type.startsWith('application/') ? file.name : '';
      await upload(`/admin/conversations/${id}/media`, file, { caption, fileName });
      setFile(undefined);
      setCaption('');
      (event.target as HTMLFormElement).reset();
      await load();
    } catch (caught) {
      setError(caught instanceof ApiError ? caught.message : String(caught));
    }
  }

  async function addNote(event: FormEvent) {
    event.preventDefault();
    await act('notes', { text: note });
    setNote('');
  }

  if (!conversation) return null;
  const state = conversation.state;
  return (
    <div className="transcript">
      <div>
        <h2>
          {conversation.contact.displayName ?? conversation.contact.id} · {conversation.channel}{' '}
          <span className={`badge ${state}`} data-testid="conversation-state" data-state={state}>
            {t[`state_${state}`]}
          </span>
        </h2>
        <div className="actions">
          {(state === 'bot' || state === 'needs_human') && (
            <button type="button" onClick={() => void act('takeover')}>
              {t.takeOver}
            </button>
          )}
          {(state === 'human' || state === 'needs_human') && (
            <button type="button" className="secondary" onClick={() => void act('handback')}>
              {t.handBack}
            </button>
          )}
          {state !== 'closed' && (
            <button type="button" className="secondary" onClick={() => void act('close')}>
              {t.close}
            </button>
          )}
          {state === 'closed' && (
            <button type="button" onClick={() => void act('reopen')}>
              {t.reopen}
            </button>
          )}
          <label>
            {t.assignTo}
            <select
              value={conversation.assigneeId ?? ''}
              onChange={(event) => void act('assign', { userId: event.target.value || null })}
            >
              <option value="">{t.unassigned}</option>
              <UserOptions users={users} />
            </select>
          </label>
        </div>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <ol className="messages" aria-label="Transcript">
          {messages.map((message) => (
            <Row key={message.id} message={message} />
          ))}
        </ol>
        {state === 'human' ? (
          <form className="composer" onSubmit={(event) => void send(event)}>
            <label>
              {t.reply}
              <textarea value={reply} onChange={(event) => setReply(event.target.value)} rows={3} required />
            </label>
            <button type="submit">{t.send}</button>
          </form>
        ) : (
          <p className="muted">{t.takeOverFirst}</p>
        )}
        {state === 'human' && (
          <form className="composer" onSubmit={(event) => void sendFile(event)}>
            <label>
              {t.attachFile}
              <input
                type="file"
                accept="image/jpeg,image/png,video/mp4,audio/ogg,audio/mpeg,audio/mp4,application/pdf"
                onChange={(event) => setFile(event.target.files?.[0])}
                required
              />
            </label>
            <label>
              {t.caption}
              <input value={caption} onChange={(event) => setCaption(event.target.value)} maxLength={1024} />
            </label>
            <button type="submit" className="secondary">
              {t.sendFile}
            </button>
          </form>
        )}
        <form className="composer" onSubmit={(event) => void addNote(event)}>
          <label>
            {t.note}
            <input value={note} onChange={(event) => setNote(event.target.value)} required />
          </label>
          <button type="submit" className="secondary">
            {t.addNote}
          </button>
        </form>
      </div>
      <aside className="card" aria-label={t.identities}>
        <h2>{t.identities}</h2>
        <ul>
          {conversation.contact.identities.map((identity) => (
            <li key={`${identity.channel}:${identity.externalId}`}>
              {identity.channel}: {identity.username ? `@${identity.username}` : identity.externalId}
            </li>
          ))}
        </ul>
      </aside>
    </div>
  );
}
