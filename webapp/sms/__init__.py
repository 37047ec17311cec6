"""SMS: sends and the transactional outbox the dispatcher (invites/sms/dispatcher.py) delivers."""
