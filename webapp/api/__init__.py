"""The public JSON API (version 1) and its OpenAPI document: the public program of the
libraries and associations, for their websites. Documented for them in docs/api.md."""
