// Parse iCalendar text from stdin with Mozilla's ical.js (Thunderbird's parser) and print
// what a calendar app would show, as JSON: one object per VEVENT, times in UTC.
// Exit status 1 with the parser's message when the text does not parse.
import ICAL from "../../node_modules/ical.js/dist/ical.js";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const text = Buffer.concat(chunks).toString("utf8");

try {
  const calendar = new ICAL.Component(ICAL.parse(text));
  for (const zone of calendar.getAllSubcomponents("vtimezone")) {
    ICAL.TimezoneService.register(zone);
  }
  const events = calendar.getAllSubcomponents("vevent").map((component) => {
    const event = new ICAL.Event(component);
    const categories = component.getAllProperties("categories").flatMap((p) => p.getValues());
    return {
      uid: event.uid,
      summary: event.summary,
      description: event.description,
      location: event.location,
      status: component.getFirstPropertyValue("status"),
      sequence: event.sequence,
      tzid: event.startDate.zone ? event.startDate.zone.tzid : null,
      start: event.startDate.toJSDate().toISOString(),
      end: event.endDate.toJSDate().toISOString(),
      url: component.getFirstPropertyValue("url"),
      organizer: component.getFirstPropertyValue("organizer"),
      categories,
    };
  });
  process.stdout.write(
    JSON.stringify({
      name: calendar.getFirstPropertyValue("name"),
      xWrCalname: calendar.getFirstPropertyValue("x-wr-calname"),
      refresh: String(calendar.getFirstPropertyValue("refresh-interval")),
      zones: calendar.getAllSubcomponents("vtimezone").map((z) => z.getFirstPropertyValue("tzid")),
      events,
    }),
  );
} catch (error) {
  process.stderr.write(String(error && error.stack ? error.stack : error));
  process.exit(1);
}
