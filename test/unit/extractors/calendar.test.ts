/** iCalendar and vCard, on files written here (folded lines, escapes, vCard 2.1 quoted-printable, hostile nesting). */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixtureDir } from '../../helpers/fixtures';
import { extractErr, extractOk } from './helpers';

const fx = fixtureDir('quarry-calendar-');
afterAll(() => fx.cleanup());

const crlf = (lines: string[]) => lines.join('\r\n') + '\r\n';

const ICS = crlf([
  'BEGIN:VCALENDAR',
  'VERSION:2.0',
  'PRODID:-//Test//EN',
  'X-WR-CALNAME:Team',
  'BEGIN:VEVENT',
  'UID:1',
  'SUMMARY:Planning\\, round 2',
  'DTSTART;TZID=Europe/Paris:20240105T090000',
  'DTEND;TZID=Europe/Paris:20240105T100000',
  'RRULE:FREQ=WEEKLY;BYDAY=FR',
  'LOCATION:Room 4\\nSecond floor',
  'ORGANIZER;CN="Ann Lee":mailto:ann@example.org',
  'ATTENDEE;CN=Bob;ROLE=REQ-PARTICIPANT:mailto:bob@exa',
  ' mple.org',
  'DESCRIPTION:Bring the figures',
  'END:VEVENT',
  'END:VCALENDAR',
]);

describe('iCalendar', () => {
  it('events with summary, start, end, location (escapes undone), organizer, attendees (folded) and rrule', async () => {
    const r = await extractOk(fx.write('cal.dat', ICS));
    expect(r.format).toBe('ics');
    expect(r.metadata.calendarName).toBe('Team');
    expect(r.metadata.events).toEqual([
      expect.objectContaining({
        summary: 'Planning, round 2',
        start: '20240105T090000',
        startTimeZone: 'Europe/Paris',
        end: '20240105T100000',
        location: 'Room 4\nSecond floor',
        organizer: 'Ann Lee <ann@example.org>',
        attendees: ['Bob <bob@example.org>'],
        rrule: 'FREQ=WEEKLY;BYDAY=FR',
      }),
    ]);
    expect(r.entities.map((e) => e.value)).toEqual(['ann@example.org', 'bob@example.org']);
    expect(r.text).toContain('Start: 2024-01-05 09:00:00 (Europe/Paris)');
    expect(r.markdown).toContain('## Planning, round 2');
    expect(r.counters.events).toBe(1);
  });

  it('a truncated file keeps the events read so far', async () => {
    const cut = ICS.slice(0, ICS.indexOf('DESCRIPTION'));
    const r = await extractOk(fx.write('cut.ics', cut));
    expect((r.metadata.events as Array<{ summary: string }>)[0]!.summary).toBe('Planning, round 2');
  });

  it('hostile nesting is a resource_limit; a .ics that is not a calendar is corrupt_file', async () => {
    const deep = 'BEGIN:VCALENDAR\n' + 'BEGIN:X\n'.repeat(100);
    expect((await extractErr(fx.write('deep.ics', deep))).code).toBe('resource_limit');
    expect((await extractErr(fx.write('not.ics', 'hello there\n'))).code).toBe('corrupt_file');
  });
});

const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4, 5, 6, 7, 8, 0xff, 0xd9]);

describe('vCard', () => {
  it('2.1 with quoted-printable soft breaks, bare types, a base64 photo written as a child', async () => {
    const card = crlf([
      'BEGIN:VCARD',
      'VERSION:2.1',
      'N:Doe;Jane;;Dr.;',
      'FN:Dr. Jane Doe',
      'ORG:ACME;Research',
      'TEL;WORK;VOICE:+1 555 0100',
      'EMAIL;PREF;INTERNET:jane@acme.test',
      'LABEL;WORK;ENCODING=QUOTED-PRINTABLE;CHARSET=utf-8:1 Main St=0D=0A=',
      'Springfield =C3=A9',
      'PHOTO;TYPE=JPEG;ENCODING=BASE64:',
      ' ' + JPEG.toString('base64'),
      '',
      'END:VCARD',
    ]);
    const r = await extractOk(fx.write('jane.txt', card), {});
    expect(r.format).toBe('vcf');
    const [c] = r.metadata.contacts as Array<Record<string, unknown>>;
    expect(c).toMatchObject({
      name: 'Dr. Jane Doe',
      organization: ['ACME', 'Research'],
      emails: ['jane@acme.test'],
      phones: [{ number: '+1 555 0100', types: ['work', 'voice'] }],
      labels: ['1 Main St\r\nSpringfield é'],
      photo: { type: 'jpeg', bytes: JPEG.length },
    });
    expect(r.entities).toEqual([
      { type: 'email', value: 'jane@acme.test', attributes: { contact: 'Dr. Jane Doe' } },
      { type: 'phone', value: '+1 555 0100', attributes: { contact: 'Dr. Jane Doe', types: ['work', 'voice'] } },
    ]);
    expect(r.text).toContain('Organisation: ACME, Research');
  });

  it('the photo becomes a child file when the job has a spool folder', async () => {
    const card = crlf(['BEGIN:VCARD', 'VERSION:3.0', 'FN:Pic', 'PHOTO;ENCODING=b;TYPE=JPEG:' + JPEG.toString('base64'), 'END:VCARD']);
    const { run } = await import('../../../workers/extract');
    const out = await run({ path: fx.write('pic.vcf', card), options: {}, spoolDir: path.join(fx.dir, 'spool-pic') });
    expect(out.ok && out.result.children?.map((ch) => [ch.name, readFileSync(ch.path).equals(JPEG)])).toEqual([['Pic photo.jpg', true]]);
  });

  it('several 3.0 cards, escaped commas; a truncated card still yields its fields', async () => {
    const two = crlf(['BEGIN:VCARD', 'VERSION:3.0', 'FN:A\\, B', 'EMAIL:a@x.test', 'END:VCARD', 'BEGIN:VCARD', 'VERSION:3.0', 'FN:C', 'TEL:123']);
    const r = await extractOk(fx.write('two.vcf', two));
    expect((r.metadata.contacts as Array<{ name: string }>).map((c) => c.name)).toEqual(['A, B', 'C']);
    expect(r.counters.contacts).toBe(2);
  });
});
