"""The partner directory (the actor map): the associations a library works with and how
close each relationship is."""
