import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeGoogle, startFakeGoogle } from '../../fakes/google-apis.ts';
import { run, startToolWorld, type ToolWorld } from '../oauth/tool-world.ts';
import { customer, toolFailure } from '../tool-run.ts';

let google: FakeGoogle;
let world: ToolWorld;
const ada = customer('contact-ada', ['ada@example.com']);

beforeEach(async () => {
  google = await startFakeGoogle();
  world = await startToolWorld('google', google.url, google.oauth);
  const now = Date.now();
  google.mails.push(
    {
      id: 'g1',
      from: '"Ada L." <ada@example.com>',
      to: 'shop@example.com',
      subject: 'My order',
      snippet: 'Where is it?',
      date: now - 300_000,
      labels: ['INBOX', 'UNREAD'],
    },
    {
      id: 'g2',
      from: 'joanna.ada@example.com',
      to: 'shop@example.com',
      subject: 'Not Ada',
      snippet: '',
      date: now - 200_000,
      labels: ['INBOX'],
    },
    {
      id: 'g3',
      from: 'supplier@example.com',
      to: 'shop@example.com',
      subject: 'Invoice',
      snippet: '',
      date: now - 100_000,
      labels: ['INBOX'],
    },
  );
});
afterEach(async () => {
  await world.dispose();
  await google.close();
});

describe('Gmail', () => {
  it("reads a customer's own mail only, whole addresses compared", async () => {
    const own = JSON.parse(
      (await run(world.tool('read_emails'), { limit: 5 }, world.context({ caller: ada }))).content,
    );
    expect(own.emails).toEqual([
      {
        from: 'Ada L.',
        subject: 'My order',
        date: expect.any(String),
        unread: true,
        snippet: 'Where is it?',
      },
    ]);
    const staff = await run(world.tool('read_emails'), { limit: 5 }, world.context());
    expect(staff.itemsProcessed).toBe(3);
  });

  it('sends once per call, found again by its Message-ID', async () => {
    const context = world.context({ caller: ada, idempotencyKey: 'respond:g1:0:0' });
    const input = { to: 'ada@example.com', subject: 'Your order', body: 'It ships today.' };
    await run(world.tool('send_email'), input, context);
    await run(world.tool('send_email'), input, context);
    expect(google.calls.filter((call) => call.endsWith('/messages/send'))).toHaveLength(1);
    const refused = await toolFailure(
      run(world.tool('send_email'), { ...input, to: 'x@example.com' }, context),
    );
    expect(refused.errorType).toBe('permission_denied');
  });

  it('is refused when the tenant did not enable it', async () => {
    const refused = await toolFailure(
      run(world.tool('read_emails'), { limit: 1 }, world.context({}, { services: 'google_drive' })),
    );
    expect(refused.errorType).toBe('permission_denied');
    expect(google.calls).toEqual([]);
  });
});

describe('Google Calendar', () => {
  it('books with an event id from the call key, once, and keeps other events private', async () => {
    const day = new Date(Date.now() + 2 * 86_400_000);
    while ([0, 6].includes(day.getUTCDay())) day.setUTCDate(day.getUTCDate() + 1);
    const date = day.toISOString().slice(0, 10);
    google.events.push({
      id: 'ownerbusy1',
      summary: 'Doctor',
      start: `${date}T13:00:00Z`,
      end: `${date}T14:00:00Z`,
    });
    const context = world.context({ caller: ada, idempotencyKey: 'respond:g7:0:0' });
    const booked = JSON.parse(
      (await run(world.tool('book_appointment'), { start: `${date}T10:00:00Z` }, context)).content,
    );
    expect(booked.booked).toBe(true);
    expect(booked.appointment.id).toMatch(/^[0-9a-f]{32}$/);
    await run(world.tool('book_appointment'), { start: `${date}T10:00:00Z` }, context);
    expect(google.events.filter((event) => event.contact === 'contact-ada')).toHaveLength(1);
    const slots = (await run(world.tool('find_free_slots'), { date }, world.context({ caller: ada })))
      .content;
    expect(slots).not.toContain('Doctor');
    expect(slots).not.toContain(`"start":"${date}T13:00:00.000Z"`);
    expect(slots).toContain(`"start":"${date}T12:30:00.000Z"`);
    const staff = JSON.parse(
      (
        await run(
          world.tool('read_calendar'),
          { from: `${date}T00:00:00Z`, to: `${date}T23:59:00Z` },
          world.context(),
        )
      ).content,
    );
    expect(staff.events.map((event: { title: string }) => event.title).sort()).toEqual([
      'Appointment',
      'Doctor',
    ]);
  });
});

describe('Drive', () => {
  it('searches the shared folder for a customer and everything for staff', async () => {
    google.files.push(
      {
        name: 'Price list',
        parent: 'folder123',
        link: 'https://drive.test/a',
        modified: '2026-11-01T00:00:00Z',
      },
      {
        name: 'Price margins',
        parent: 'private9',
        link: 'https://drive.test/b',
        modified: '2026-11-02T00:00:00Z',
      },
    );
    expect(
      (await toolFailure(run(world.tool('search_files'), { query: 'price' }, world.context({ caller: ada }))))
        .errorType,
    ).toBe('permission_denied');
    const shared = JSON.parse(
      (
        await run(
          world.tool('search_files'),
          { query: 'price' },
          world.context({ caller: ada }, { shared_folder: 'folder123' }),
        )
      ).content,
    );
    expect(shared.files).toEqual([
      { name: 'Price list', link: 'https://drive.test/a', modified: '2026-11-01T00:00:00Z' },
    ]);
    expect((await run(world.tool('search_files'), { query: 'price' }, world.context())).itemsProcessed).toBe(
      2,
    );
    expect(world.tool('search_files').inputSchema.safeParse({ query: "x' or name contains '" }).success).toBe(
      false,
    );
  });
});
