/** The gateway's HTTP API as the workspace uses it: same origin, session cookie, CSRF header on writes. */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

let csrfToken: string | undefined;

export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  const response = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return answerOf<T>(response);
}

/** Posts a file as the request body, with its own type as Content-Type (the media upload route). */
export async function upload<T>(path: string, file: File, query: Record<string, string>): Promise<T> {
  const search = new URLSearchParams(Object.entries(query).filter(([, value]) => value !== ''));
  const response = await fetch(`${path}${search.size > 0 ? `?${search}` : ''}`, {
    method: 'POST',
    headers: { 'content-type': file.type || 'application/octet-stream', 'x-csrf-token': csrfToken ?? '' },
    credentials: 'same-origin',
    body: file,
  });
  return answerOf<T>(response);
}

/** The body of an API answer, or its catalogue error as an ApiError. */
async function answerOf<T>(response: Response): Promise<T> {
  if (response.status === 204) return undefined as T;
  const data = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (!response.ok)
    throw new ApiError(
      response.status,
      String(data.error ?? 'ERROR'),
      String(data.message ?? response.statusText),
    );
  return data as T;
}

export interface Me {
  user: { id: string; email: string; name: string; role: 'admin' | 'agent' };
  tenant: { id: string; slug: string; name: string };
  csrfToken: string;
}

export type ConversationState = 'bot' | 'needs_human' | 'human' | 'closed';

export interface ConversationItem {
  id: string;
  channel: string;
  state: ConversationState;
  assigneeId: string | null;
  /** Inbound messages after staff last read the transcript. */
  unread: number;
  contact: { id: string; displayName: string | null; optedOut: boolean };
  lastMessage: { direction: string; text: string | null; kind: string } | null;
  lastMessageAt: string;
}

export interface ConversationDetail extends Omit<ConversationItem, 'contact' | 'lastMessage'> {
  staffReadAt: string | null;
  contact: {
    id: string;
    displayName: string | null;
    optedOut: boolean;
    identities: Array<{ channel: string; externalId: string; username: string | null }>;
  };
}

export interface MessageItem {
  id: string;
  direction: 'inbound' | 'outbound' | 'internal';
  kind: string;
  text: string | null;
  parts: Array<Record<string, unknown>>;
  status: string;
  error: string | null;
  createdAt: string;
  editedAt: string | null;
  edits: Array<{ text: string | null; replacedAt: string }>;
}

export interface StaffUser {
  id: string;
  email: string;
  name: string;
  role: string;
  status: 'active' | 'invited';
}

/** Calls `onEvent` for every live event of the tenant until the returned function is called. */
export function subscribe(onEvent: (type: string) => void): () => void {
  const source = new EventSource('/admin/events', { withCredentials: true });
  const types = [
    'message.created',
    'message.status',
    'message.edited',
    'conversation.state',
    'conversation.assigned',
    'conversation.note',
    'conversation.read',
    'action.status',
  ];
  for (const type of types) source.addEventListener(type, () => onEvent(type));
  return () => source.close();
}
