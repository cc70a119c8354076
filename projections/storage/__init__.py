"""Storage adapters: one per database, and the event log, locks and bulk writes they share."""
