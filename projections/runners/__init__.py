"""What keeps projections up to date: the worker, catch-up, rebuild, verify, status and setup."""
