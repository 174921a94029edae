"""The chaos suite: a sale on the full stack while a seeded nemesis injects faults."""
