"""Side-by-side benchmark of the message store, a plain CRUD baseline, and PostgreSQL itself."""
