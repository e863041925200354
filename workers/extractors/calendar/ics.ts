/**
 * iCalendar (.ics): every event (and to-do) with its summary, start and end
 * (as written, with the time zone id), location, description, organizer,
 * attendees and recurrence rule; the calendar's name and producer. E-mail
 * addresses of organizer and attendees become entities.
 */
import { ExtractionError, type Entity } from '../../../shared/extraction';
import { readText } from '../common';
import type { Extractor } from '../types';
import { all, first, parseComponents, textValue, unescapeText, type Component, type Property } from './vobject';

interface CalendarEvent {
  kind: 'event' | 'todo';
  summary?: string;
  start?: string;
  startTimeZone?: string;
  end?: string;
  location?: string;
  description?: string;
  organizer?: string;
  attendees: string[];
  rrule?: string;
  uid?: string;
  status?: string;
  /** Apple's X-APPLE-STRUCTURED-LOCATION: the address (a parameter) and the geo: URI (the value). */
  structuredLocation?: { address?: string; geo: string };
}

/** "mailto:a@b" with CN=Name -> "Name <a@b>"; the address for the entity. */
function person(p: Property): { text: string; email?: string } {
  const email = /^mailto:(.+)$/i.exec(p.value.trim())?.[1];
  const name = p.params.CN?.[0];
  const text = email ? (name ? `${name} <${email}>` : email) : name || p.value;
  return { text, email };
}

function eventOf(c: Component, entities: Entity[]): CalendarEvent {
  const text = (name: string) => {
    const p = first(c, name);
    return p ? textValue(p) : undefined;
  };
  const start = first(c, 'DTSTART');
  const apple = first(c, 'X-APPLE-STRUCTURED-LOCATION');
  const address = apple?.params['X-ADDRESS']?.[0];
  const organizerProp = first(c, 'ORGANIZER');
  const organizer = organizerProp ? person(organizerProp) : undefined;
  if (organizer?.email) entities.push({ type: 'email', value: organizer.email, attributes: { role: 'organizer' } });
  const attendees = all(c, 'ATTENDEE').map((p) => {
    const a = person(p);
    if (a.email) entities.push({ type: 'email', value: a.email, attributes: { role: 'attendee' } });
    return a.text;
  });
  return {
    kind: c.name === 'VTODO' ? 'todo' : 'event',
    summary: text('SUMMARY'),
    start: start?.value,
    startTimeZone: start?.params.TZID?.[0],
    end: first(c, 'DTEND')?.value ?? first(c, 'DUE')?.value,
    location: text('LOCATION'),
    description: text('DESCRIPTION'),
    organizer: organizer?.text,
    attendees,
    rrule: first(c, 'RRULE')?.value,
    uid: text('UID'),
    status: text('STATUS'),
    ...(apple ? { structuredLocation: { ...(address ? { address: unescapeText(address) } : {}), geo: apple.value } } : {}),
  };
}

/** "20161028T140000" -> "2016-10-28 14:00:00", a date alone -> "2016-10-28"; anything else as written. */
function readable(value: string | undefined, tz?: string): string | undefined {
  if (!value) return undefined;
  const m = /^(\d{4})(\d\d)(\d\d)(?:T(\d\d)(\d\d)(\d\d)(Z)?)?$/.exec(value);
  if (!m) return value;
  const date = `${m[1]}-${m[2]}-${m[3]}`;
  const time = m[4] ? ` ${m[4]}:${m[5]}:${m[6]}${m[7] ? ' UTC' : ''}` : '';
  return `${date}${time}${tz ? ` (${tz})` : ''}`;
}

function fields(e: CalendarEvent): Array<[string, string]> {
  const rows: Array<[string, string | undefined]> = [
    ['Start', readable(e.start, e.startTimeZone)],
    ['End', readable(e.end, e.startTimeZone)],
    ['Repeats', e.rrule],
    ['Location', e.location],
    ['Organizer', e.organizer],
    ['Attendees', e.attendees.join(', ') || undefined],
    ['Status', e.status],
  ];
  return rows.filter((r): r is [string, string] => !!r[1]);
}

export const icsExtractor: Extractor = {
  name: 'ics',
  version: '1.0.0',
  formats: ['ics'],
  async extract(input) {
    const { text: source, encoding, warnings, empty } = await readText(input);
    const calendars = empty ? [] : parseComponents(source, 'calendar').filter((c) => c.name === 'VCALENDAR');
    if (!empty && calendars.length === 0) throw new ExtractionError('corrupt_file', 'Not an iCalendar file: no BEGIN:VCALENDAR … END:VCALENDAR block');
    const entities: Entity[] = [];
    const events = calendars.flatMap((cal) => cal.components.filter((c) => c.name === 'VEVENT' || c.name === 'VTODO').map((c) => eventOf(c, entities)));
    const cal = calendars[0];
    const calValue = (name: string) => {
      const p = cal && first(cal, name);
      return p ? textValue(p) : undefined;
    };
    const calendarName = calValue('X-WR-CALNAME');
    const textBlocks: string[] = [];
    const mdBlocks: string[] = calendarName ? [`# ${calendarName}`] : [];
    for (const e of events) {
      const title = e.summary ?? '(no title)';
      const f = fields(e);
      textBlocks.push([title, ...f.map(([k, v]) => `${k}: ${v}`), ...(e.description ? ['', e.description] : [])].join('\n'));
      mdBlocks.push(
        [`## ${title}`, '', ...f.map(([k, v]) => `- **${k}:** ${v.replace(/\n/g, ', ')}`), ...(e.description ? ['', e.description] : [])].join('\n'),
      );
    }
    if (events.length === 0) warnings.push('The calendar has no events');
    return {
      text: textBlocks.join('\n\n'),
      markdown: mdBlocks.join('\n\n'),
      metadata: {
        encoding,
        ...(calendarName ? { calendarName } : {}),
        ...(calValue('X-WR-CALDESC') ? { calendarDescription: calValue('X-WR-CALDESC') } : {}),
        ...(calValue('PRODID') ? { producer: calValue('PRODID') } : {}),
        ...(calValue('METHOD') ? { method: calValue('METHOD') } : {}),
        calendars: calendars.length,
        events: events.slice(0, 1000),
      },
      entities,
      warnings,
      counters: { items: events.length, events: events.filter((e) => e.kind === 'event').length, todos: events.filter((e) => e.kind === 'todo').length },
      encoding,
    };
  },
};
