"""A record type declared outside the product, for tests only: the proof that a new
record type needs its page class and its declaration, nothing in workflow, archive
or search (README, "Adding a record type")."""
