"""The invitation engine: channels and message delivery, usable without the web app.

It never imports ``webapp``: it receives a store, settings and a clock.
"""
