"""The thread aggregate, its events, commands and errors."""
