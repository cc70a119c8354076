"""The ``msgstore`` command line: serving, the projections, and the audit history."""
