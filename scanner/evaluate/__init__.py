"""Evaluation: snapshot documents in, one verdict per (resource, control) out."""
