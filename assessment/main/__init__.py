"""Public pages: the landing page and the language choice."""
