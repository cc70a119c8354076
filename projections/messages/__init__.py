"""The live message view: threads and messages as the API serves them, written in the events' transaction."""
