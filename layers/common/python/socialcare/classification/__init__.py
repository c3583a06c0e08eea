"""Reading a customer's message the way an agent would: language first (issue 4)."""
