"""The storage test-suite: every behaviour against SQLite and PostgreSQL."""
