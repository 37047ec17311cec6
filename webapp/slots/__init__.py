"""Program slots (bookable windows per room), closures, the library's rules, and bookings:
which room is taken when, and the conflict check that keeps a room from being booked twice."""
