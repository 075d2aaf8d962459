"""People: grouping faces into people, matching named people, every edit a user makes."""
