"""Volunteers: tasks and shifts of events, sign-up without an account, rosters and hours."""
