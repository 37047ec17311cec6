"""RSVPs: people coming to a date of an event, without an account; capacity with a waitlist
whose first person is offered a freed place for a limited time."""
