"""The committee's side of verification: assessor assignments (by hand, CSV, automatic) and stage exceptions."""
