"""The booking engine's domain: entities and rules in plain Python, no I/O."""
