"""The fault suite: real server processes on real databases through outages, kills and a full disk."""
