"""Competitions: the committee uploads a rubric and creates a competition with its stages."""
