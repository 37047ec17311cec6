"""The invitation plan of an event: its audiences, the channels that reach each of them, and
tracked share links (``/l/{code}``) that count visits without keeping anything about the
visitor."""
