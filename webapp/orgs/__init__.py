"""Organisations (libraries and associations), memberships, invitations, locations, rooms."""
