import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeMicrosoft, startFakeMicrosoft } from '../../fakes/microsoft-graph.ts';
import { run, startToolWorld, type ToolWorld } from '../oauth/tool-world.ts';
import { customer, toolFailure } from '../tool-run.ts';

let microsoft: FakeMicrosoft;
let world: ToolWorld;

beforeEach(async () => {
  microsoft = await startFakeMicrosoft();
  world = await startToolWorld('microsoft', microsoft.url, microsoft.oauth);
  const mail = (id: string, from: string, to: string, subject: string, minutesAgo: number) =>
    microsoft.mails.push({
      id,
      from,
      to,
      subject,
      preview: `about ${subject}`,
      received: new Date(Date.now() - minutesAgo * 60_000).toISOString(),
      isRead: false,
      isDraft: false,
      folder: 'inbox',
    });
  mail('m1', 'ada@example.com', 'owner@contoso.test', 'My order', 5);
  mail('m2', 'joanna.ada@example.com', 'owner@contoso.test', 'Not Ada', 3);
  mail('m3', 'supplier@example.com', 'owner@contoso.test', 'Invoice', 1);
});
afterEach(async () => {
  await world.dispose();
  await microsoft.close();
});

const ada = customer('contact-ada', ['ada@example.com']);

describe('Outlook mail over Graph', () => {
  it('gives a customer only their own mail and staff the inbox', async () => {
    const own = JSON.parse(
      (await run(world.tool('read_emails'), { limit: 5 }, world.context({ caller: ada }))).content,
    );
    expect(own.emails.map((email: { subject: string }) => email.subject)).toEqual(['My order']);
    const all = JSON.parse((await run(world.tool('read_emails'), { limit: 5 }, world.context())).content);
    expect(all.emails.map((email: { subject: string }) => email.subject)).toEqual([
      'Invoice',
      'Not Ada',
      'My order',
    ]);
    const unverified = await run(
      world.tool('read_emails'),
      { limit: 5 },
      world.context({ caller: customer('x', ['ada@example.com'], false) }),
    );
    expect(JSON.parse(unverified.content).emails).toEqual([]);
  });

  it('sends only to the customer, and a re-run of the call sends nothing twice', async () => {
    const refused = await toolFailure(
      run(
        world.tool('send_email'),
        { to: 'else@example.com', subject: 'Hi', body: 'x' },
        world.context({ caller: ada }),
      ),
    );
    expect(refused.errorType).toBe('permission_denied');
    const context = world.context({ caller: ada, idempotencyKey: 'respond:m1:0:0' });
    const input = { to: 'ada@example.com', subject: 'Your order', body: 'It ships today.' };
    await run(world.tool('send_email'), input, context);
    await run(world.tool('send_email'), input, context);
    const sent = microsoft.mails.filter((mail) => mail.folder === 'sentitems');
    expect(sent).toHaveLength(1);
    expect(sent[0]!.internetMessageId).toMatch(/^<switchboard-[0-9a-f]{32}@switchboard\.invalid>$/);
    expect(microsoft.calls.filter((call) => call.endsWith('/send'))).toHaveLength(1);
  });

  it('waits what Retry-After asks when Graph throttles, then answers', async () => {
    microsoft.throttle(2, 1);
    const started = Date.now();
    const result = await run(world.tool('read_emails'), { limit: 1 }, world.context());
    expect(result.itemsProcessed).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_900);
    expect(microsoft.calls.filter((call) => call === 'GET /v1.0/me/mailFolders/inbox/messages')).toHaveLength(
      3,
    );
  });

  it('refreshes on a 401 and says the call recovered', async () => {
    microsoft.oauth.expireAccessTokens();
    const result = await run(world.tool('read_emails'), { limit: 5 }, world.context());
    expect(result.recovered).toEqual({ errorType: 'auth_expired', httpStatus: 401 });
    expect(microsoft.oauth.counts.refresh_token).toBe(1);
  });
});

describe('the Outlook calendar over Graph', () => {
  it('books a free slot for the customer once, with its call id, and refuses a taken one', async () => {
    const day = new Date(Date.now() + 2 * 86_400_000);
    while ([0, 6].includes(day.getUTCDay())) day.setUTCDate(day.getUTCDate() + 1);
    const date = day.toISOString().slice(0, 10);
    microsoft.events.push({
      id: 'busy1',
      subject: 'Private',
      start: `${date}T09:00:00Z`,
      end: `${date}T10:00:00Z`,
      properties: {},
    });
    const context = world.context({ caller: ada, idempotencyKey: 'respond:m9:0:0' });
    const taken = JSON.parse(
      (await run(world.tool('book_appointment'), { start: `${date}T09:00:00Z` }, context)).content,
    );
    expect(taken.booked).toBe(false);
    const booked = JSON.parse(
      (await run(world.tool('book_appointment'), { start: `${date}T12:00:00Z` }, context)).content,
    );
    expect(booked).toMatchObject({
      booked: true,
      appointment: { start: `${date}T12:00:00.000Z`, end: `${date}T12:30:00.000Z` },
    });
    const again = JSON.parse(
      (await run(world.tool('book_appointment'), { start: `${date}T12:00:00Z` }, context)).content,
    );
    expect(again).toEqual(booked);
    const ours = microsoft.events.filter((event) => event.subject === 'Appointment');
    expect(ours).toHaveLength(1);
    expect(Object.values(ours[0]!.properties)).toContain('contact-ada');
    const slots = JSON.parse(
      (await run(world.tool('find_free_slots'), { date }, world.context({ caller: ada }))).content,
    );
    expect(JSON.stringify(slots)).not.toContain('Private');
    expect(slots.slots.map((slot: { start: string }) => slot.start)).not.toContain(`${date}T12:00:00.000Z`);
  });
});

describe('OneDrive search', () => {
  it('is for staff, and for customers only in the shared folder', async () => {
    microsoft.items.push(
      {
        name: 'Price list 2027.pdf',
        folder: 'Customers',
        webUrl: 'https://contoso-my.sharepoint.test/p',
        modified: '2026-11-01T00:00:00Z',
      },
      {
        name: 'Price calculation internal.xlsx',
        folder: 'Finance',
        webUrl: 'https://contoso-my.sharepoint.test/f',
        modified: '2026-11-02T00:00:00Z',
      },
    );
    const refused = await toolFailure(
      run(world.tool('search_files'), { query: 'price' }, world.context({ caller: ada })),
    );
    expect(refused.errorType).toBe('permission_denied');
    const shared = await run(
      world.tool('search_files'),
      { query: 'price' },
      world.context({ caller: ada }, { shared_folder: 'Customers' }),
    );
    expect(JSON.parse(shared.content).files.map((file: { name: string }) => file.name)).toEqual([
      'Price list 2027.pdf',
    ]);
    const staff = await run(
      world.tool('search_files'),
      { query: 'price' },
      world.context({}, { shared_folder: 'Customers' }),
    );
    expect(staff.itemsProcessed).toBe(2);
  });
});
