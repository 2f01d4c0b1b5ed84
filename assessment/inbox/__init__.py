"""The in-app inbox every signed-in person has."""
