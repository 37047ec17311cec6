"""The public program: published events and their dates, for anyone, without an account."""
