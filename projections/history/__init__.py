"""The history read model: the audit log, message versions, and threads as they were at any moment."""
