import { useCallback, useEffect, useRef, useState } from 'react';
import { api, type ConversationItem, type Me, type StaffUser, subscribe } from '../api.ts';
import { useI18n } from '../i18n.ts';
import { Transcript } from './Transcript.tsx';
import { UserOptions } from './UserOptions.tsx';

/** Calls `refresh` on every live event, at most every 150 ms (events come in bursts). */
export function useLiveRefresh(refresh: () => void): void {
  const latest = useRef(refresh);
  latest.current = refresh;
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const unsubscribe = subscribe(() => {
      clearTimeout(timer);
      timer = setTimeout(() => latest.current(), 150);
    });
    return () => {
      clearTimeout(timer);
      unsubscribe();
    };
  }, []);
}

export function InboxPage({ me, selectedId }: { me: Me; selectedId: string | undefined }) {
  const { t } = useI18n();
  const [items, setItems] = useState<ConversationItem[]>([]);
  const [users, setUsers] = useState<StaffUser[]>([]);
  const [state, setState] = useState('');
  const [channel, setChannel] = useState('');
  const [assignee, setAssignee] = useState('');
  const [query, setQuery] = useState('');
  const [version, setVersion] = useState(0);

  const load = useCallback(async () => {
    const params = new URLSearchParams({ limit: '100' });
    if (state) params.set('state', state);
    if (channel) params.set('channel', channel);
    if (assignee) params.set('assignee', assignee);
    if (query.trim()) params.set('q', query.trim());
    const page = await api<{ items: ConversationItem[] }>('GET', `/admin/conversations?${params}`);
    setItems(page.items);
  }, [state, channel, assignee, query]);

  useEffect(() => {
    void load();
  }, [load]);
  useEffect(() => {
    void api<{ items: StaffUser[] }>('GET', '/admin/users').then((page) => setUsers(page.items));
  }, []);
  useLiveRefresh(() => {
    void load();
    setVersion((value) => value + 1);
  });

  const channels = [
    ...new Set(items.map((item) => item.channel)),
    'telegram',
    'whatsapp',
    'instagram',
    'messenger',
    'sms',
    'email',
  ];
  const nameOf = (id: string | null) => users.find((user) => user.id === id)?.name ?? '';

  return (
    <div className="inbox">
      <section aria-labelledby="inbox-heading">
        <h1 id="inbox-heading">{t.inbox}</h1>
        <div className="filters">
          <label>
            {t.search}
            <input type="search" value={query} onChange={(event) => setQuery(event.target.value)} />
          </label>
          <label>
            {t.state}
            <select value={state} onChange={(event) => setState(event.target.value)}>
              <option value="">{t.all}</option>
              {(['bot', 'needs_human', 'human', 'closed'] as const).map((value) => (
                <option key={value} value={value}>
                  {t[`state_${value}`]}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t.channel}
            <select value={channel} onChange={(event) => setChannel(event.target.value)}>
              <option value="">{t.all}</option>
              {[...new Set(channels)].map((value) => (
                <option key={value} value={value}>
                  {value}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t.assignee}
            <select value={assignee} onChange={(event) => setAssignee(event.target.value)}>
              <option value="">{t.all}</option>
              <option value="none">{t.unassigned}</option>
              <UserOptions users={users} />
            </select>
          </label>
        </div>
        {items.length === 0 && <p className="muted">{t.noConversations}</p>}
        <ul className="conversations" aria-label={t.inbox}>
          {items.map((item) => (
            <li key={item.id}>
              <button
                type="button"
                aria-pressed={item.id === selectedId}
                data-conversation={item.id}
                onClick={() => {
                  window.location.hash = `#/inbox/${item.id}`;
                }}
              >
                <span>
                  <strong>{item.contact.displayName ?? item.contact.id}</strong> · {item.channel}{' '}
                  <span className={`badge ${item.state}`} data-state={item.state}>
                    {t[`state_${item.state}`]}
                  </span>{' '}
                  {item.unread > 0 && (
                    <span className="badge unread" data-unread={item.unread}>
                      {item.unread} {t.unread}
                    </span>
                  )}
                </span>
                <span className="meta">{item.lastMessage?.text ?? ''}</span>
                <span className="meta">
                  {new Date(item.lastMessageAt).toLocaleString()} {nameOf(item.assigneeId)}
                </span>
              </button>
            </li>
          ))}
        </ul>
      </section>
      <section aria-label={t.chooseConversation}>
        {selectedId ? (
          <Transcript key={selectedId} id={selectedId} me={me} users={users} version={version} />
        ) : (
          <p className="muted">{t.chooseConversation}</p>
        )}
      </section>
    </div>
  );
}
