"""Auditing a model card and its release: Hub metadata, checklist rules and personal data."""
