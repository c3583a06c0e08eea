"""Reply deadlines: business calendars and the clock arithmetic on them (pure, no AWS)."""
