"""Objections (sanggah) to the provisional results: filed by a desa, answered by the committee."""
