import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventTool } from '../../src/integrations/caldav/create-event.ts';
import { caldavIntegration } from '../../src/integrations/caldav/integration.ts';
import { readCalendarTool } from '../../src/integrations/caldav/read-calendar.ts';
import { testEgress } from '../support/egress.ts';
import { freeLoopbackPort } from '../support/ports.ts';
import { RADICALE_PASSWORD, RADICALE_USER, type RadicaleServer, startRadicale } from '../support/radicale.ts';
import { toolFailure as failure, toolContext } from './tool-run.ts';

let radicale: RadicaleServer;
let workCalendar: string;

const berlinTimezone = [
  'BEGIN:VTIMEZONE',
  'TZID:Europe/Berlin',
  'BEGIN:DAYLIGHT',
  'TZOFFSETFROM:+0100',
  'TZOFFSETTO:+0200',
  'TZNAME:CEST',
  'DTSTART:19700329T020000',
  'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU',
  'END:DAYLIGHT',
  'BEGIN:STANDARD',
  'TZOFFSETFROM:+0200',
  'TZOFFSETTO:+0100',
  'TZNAME:CET',
  'DTSTART:19701025T030000',
  'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU',
  'END:STANDARD',
  'END:VTIMEZONE',
];

function calendarText(lines: string[], withTimezone = false): string {
  return [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Test//Seed//EN',
    ...(withTimezone ? berlinTimezone : []),
    ...lines,
    'END:VCALENDAR',
    '',
  ].join('\r\n');
}

function calendarConfig(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    server_url: radicale.url,
    user: RADICALE_USER,
    password: RADICALE_PASSWORD,
    calendar: 'Termine',
    ...overrides,
  };
}

const now = new Date('2026-11-23T08:00:00Z');

function context(config: Record<string, string>) {
  return toolContext(config, AbortSignal.timeout(15_000), now);
}

beforeAll(async () => {
  radicale = await startRadicale();
  // A second calendar first: picking by name must not just take the first one.
  await radicale.createCalendar('private', 'Privat');
  workCalendar = await radicale.createCalendar('work', 'Termine');
  // 10:00 in Berlin on 24 Nov 2026 (CET, +01:00) is 09:00 UTC.
  await radicale.putEvent(
    workCalendar,
    'consultation',
    calendarText(
      [
        'BEGIN:VEVENT',
        'UID:consultation',
        'DTSTAMP:20261120T100000Z',
        'DTSTART;TZID=Europe/Berlin:20261124T100000',
        'DTEND;TZID=Europe/Berlin:20261124T110000',
        'SUMMARY:Beratung Anna',
        'LOCATION:Laden',
        'END:VEVENT',
      ],
      true,
    ),
  );
  await radicale.putEvent(
    workCalendar,
    'standup',
    calendarText([
      'BEGIN:VEVENT',
      'UID:standup',
      'DTSTAMP:20261120T100000Z',
      'DTSTART:20261101T073000Z',
      'DTEND:20261101T074500Z',
      'RRULE:FREQ=DAILY',
      'SUMMARY:Team standup',
      'END:VEVENT',
    ]),
  );
  await radicale.putEvent(
    workCalendar,
    'next-week',
    calendarText([
      'BEGIN:VEVENT',
      'UID:next-week',
      'DTSTAMP:20261120T100000Z',
      'DTSTART:20261201T090000Z',
      'DTEND:20261201T100000Z',
      'SUMMARY:Outside the range',
      'END:VEVENT',
    ]),
  );
});

afterAll(async () => {
  await radicale?.stop();
});

describe('read_calendar against a real Radicale', () => {
  it('returns the events of a day in the right time zone, recurring ones expanded, sorted', async () => {
    // Tuesday 24 Nov 2026 in Berlin.
    const input = readCalendarTool.inputSchema.parse({
      from: '2026-11-24T00:00:00+01:00',
      to: '2026-11-25T00:00:00+01:00',
    });
    const result = await readCalendarTool.run(input, context(calendarConfig()));
    expect(JSON.parse(result.content)).toEqual({
      notice: expect.stringMatching(/never instructions/),
      events: [
        {
          title: 'Team standup',
          start: '2026-11-24T07:30:00.000Z',
          end: '2026-11-24T07:45:00.000Z',
          allDay: false,
        },
        {
          title: 'Beratung Anna',
          start: '2026-11-24T09:00:00.000Z',
          end: '2026-11-24T10:00:00.000Z',
          allDay: false,
          location: 'Laden',
        },
      ],
    });
    expect(result.itemsProcessed).toBe(2);
  });

  it('reads an empty range as no events', async () => {
    const result = await readCalendarTool.run(
      { from: '2026-10-01T00:00:00Z', to: '2026-10-02T00:00:00Z' },
      context(calendarConfig()),
    );
    expect(result.itemsProcessed).toBe(0);
    expect(JSON.parse(result.content).events).toEqual([]);
  });

  it('rejects ranges without offset, reversed or too long', () => {
    const parse = (range: object) => readCalendarTool.inputSchema.safeParse(range).success;
    expect(parse({ from: '2026-11-24T00:00:00', to: '2026-11-25T00:00:00' })).toBe(false);
    expect(parse({ from: '2026-11-25T00:00:00Z', to: '2026-11-24T00:00:00Z' })).toBe(false);
    expect(parse({ from: '2026-01-01T00:00:00Z', to: '2026-12-31T00:00:00Z' })).toBe(false);
  });

  it('classifies a wrong password, a missing calendar and a server that is down', async () => {
    const range = { from: '2026-11-24T00:00:00Z', to: '2026-11-25T00:00:00Z' };
    const login = await failure(
      readCalendarTool.run(range, context(calendarConfig({ password: 'wrong-password' }))),
    );
    expect(login.errorType).toBe('auth_expired');
    expect(login.message).not.toContain('wrong-password');
    const missing = await failure(
      readCalendarTool.run(range, context(calendarConfig({ calendar: 'Urlaub' }))),
    );
    expect(missing.errorType).toBe('not_found');
    const down = await failure(
      readCalendarTool.run(
        range,
        context(calendarConfig({ server_url: `http://127.0.0.1:${await freeLoopbackPort()}/` })),
      ),
    );
    expect(down.errorType).toBe('network_error');
  });
});

describe('create_event against a real Radicale', () => {
  it('creates an event that the server then holds, read back independently', async () => {
    const input = createEventTool.inputSchema.parse({
      title: 'Termin: Ben Meyer, Haarschnitt; 2 Personen',
      start: '2026-11-25T14:00:00+01:00',
      durationMinutes: 45,
      description: 'Gebucht über den Chat',
    });
    const result = await createEventTool.run(input, context(calendarConfig()));
    const { created } = JSON.parse(result.content) as {
      created: { uid: string; start: string; end: string };
    };
    expect(result.itemsProcessed).toBe(1);
    expect(created).toEqual({
      uid: expect.stringMatching(/@switchboard$/),
      start: '2026-11-25T13:00:00.000Z',
      end: '2026-11-25T13:45:00.000Z',
    });

    // A plain GET of the collection, parsed with ical.js: not our tsdav path.
    const stored = new ICAL.Component(ICAL.parse(await radicale.readCalendar(workCalendar)));
    const event = stored
      .getAllSubcomponents('vevent')
      .map((component) => new ICAL.Event(component))
      .find((candidate) => candidate.uid === created.uid);
    expect(event?.summary).toBe('Termin: Ben Meyer, Haarschnitt; 2 Personen');
    expect(event?.description).toBe('Gebucht über den Chat');
    expect(event?.startDate.toJSDate().toISOString()).toBe('2026-11-25T13:00:00.000Z');
    expect(event?.endDate.toJSDate().toISOString()).toBe('2026-11-25T13:45:00.000Z');

    // And read_calendar sees it too.
    const day = await readCalendarTool.run(
      { from: '2026-11-25T00:00:00+01:00', to: '2026-11-26T00:00:00+01:00' },
      context(calendarConfig()),
    );
    expect(day.content).toContain('Haarschnitt');
  });

  it('defaults to one hour and rejects an end before the start', async () => {
    const result = await createEventTool.run(
      createEventTool.inputSchema.parse({ title: 'Kurz', start: '2026-11-26T09:00:00Z' }),
      context(calendarConfig({ calendar: '' })),
    );
    expect(JSON.parse(result.content).created.end).toBe('2026-11-26T10:00:00.000Z');
    expect(
      createEventTool.inputSchema.safeParse({
        title: 'x',
        start: '2026-11-26T09:00:00Z',
        end: '2026-11-26T08:00:00Z',
      }).success,
    ).toBe(false);
  });

  it('a re-run of the same call stores nothing twice and answers with the stored event', async () => {
    const key = { idempotencyKey: 'job-calendar:2:0' };
    const run = (start: string) =>
      createEventTool.run(
        createEventTool.inputSchema.parse({ title: 'Einmalig', start }),
        toolContext(calendarConfig(), AbortSignal.timeout(15_000), now, key),
      );
    const first = JSON.parse((await run('2026-11-30T09:00:00Z')).content);
    // The re-run's model asked for another time: the event the first run stored stands.
    const again = JSON.parse((await run('2026-11-30T15:00:00Z')).content);
    expect(again).toEqual(first);
    expect(first.created).toEqual({
      uid: expect.stringMatching(/^switchboard-[0-9a-f]{32}@switchboard$/),
      start: '2026-11-30T09:00:00.000Z',
      end: '2026-11-30T10:00:00.000Z',
    });
    const stored = await radicale.readCalendar(workCalendar);
    expect(stored.split('SUMMARY:Einmalig')).toHaveLength(2);
    // Another tenant with the same job key is another call.
    await createEventTool.run(
      createEventTool.inputSchema.parse({ title: 'Einmalig', start: '2026-11-30T09:00:00Z' }),
      toolContext(calendarConfig(), AbortSignal.timeout(15_000), now, { ...key, tenantId: 'tenant-2' }),
    );
    expect((await radicale.readCalendar(workCalendar)).split('SUMMARY:Einmalig')).toHaveLength(3);
  });

  it('fails with auth_expired on a wrong password and creates nothing', async () => {
    const before = await radicale.readCalendar(workCalendar);
    const error = await failure(
      createEventTool.run(
        { title: 'Nope', start: '2026-11-27T09:00:00Z' },
        context(calendarConfig({ password: 'wrong-password' })),
      ),
    );
    expect(error.errorType).toBe('auth_expired');
    expect(await radicale.readCalendar(workCalendar)).toBe(before);
  });
});

describe('the caldav connector test', () => {
  it('is ok and names the calendar it will use', async () => {
    expect(await caldavIntegration.test(calendarConfig(), AbortSignal.timeout(15_000), testEgress)).toEqual({
      ok: true,
      detail: 'CalDAV: 2 calendar(s); the agent uses "Termine"',
    });
  });

  it('explains a refused login, a missing calendar and a missing field, never the password', async () => {
    const login = await caldavIntegration.test(
      calendarConfig({ password: 'secret-wrong' }),
      AbortSignal.timeout(15_000),
      testEgress,
    );
    expect(login).toEqual({ ok: false, detail: expect.stringContaining('the login was refused') });
    expect(login.detail).not.toContain('secret-wrong');
    const missing = await caldavIntegration.test(
      calendarConfig({ calendar: 'Urlaub' }),
      AbortSignal.timeout(15_000),
      testEgress,
    );
    expect(missing).toEqual({ ok: false, detail: expect.stringContaining('the calendar was not found') });
    const empty = await caldavIntegration.test(
      calendarConfig({ server_url: '' }),
      AbortSignal.timeout(15_000),
      testEgress,
    );
    expect(empty).toEqual({ ok: false, detail: expect.stringContaining('lacks server URL') });
  });
});
