"""The in-app inbox: notifications of what happened to the events people work on."""
