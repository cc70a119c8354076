"""Encryption at rest: the master key, the data keys it wraps, and content sealed with them."""
