"""Messages the console provider delivered (development): stored and shown on a page."""
