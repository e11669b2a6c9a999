"""Use cases: functions of primitives and a unit of work that commit once and return plain results."""
