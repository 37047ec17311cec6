"""Contacts: an organisation's contact book with consent, tags, CSV import, the personal-data
duties (export, delete, retention) and the opt-out registry every organisation honours."""
