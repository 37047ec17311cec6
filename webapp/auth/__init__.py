"""Accounts, sessions, passwords, CSRF and the one permission check."""
