"""SQLAlchemy Core tables, the unit of work, and the booking ledger's hot path."""
