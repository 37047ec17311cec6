"""Samspel: event co-planning for Nordic public libraries and their partners."""

__version__ = "0.1.0"
