"""Calendars: iCal rendering, public and private feeds, feed tokens, caching."""
