"""People: clustering faces into people, matching them to named people, and every edit a user makes."""
