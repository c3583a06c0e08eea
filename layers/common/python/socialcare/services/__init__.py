"""Use cases. Services receive their dependencies; they never look them up."""
