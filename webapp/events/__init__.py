"""Events co-authored by partners: drafts, partners, revisions, comments, the workflow."""
