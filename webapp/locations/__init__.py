"""Library locations (branches) and their rooms."""
