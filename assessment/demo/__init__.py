"""Demo data: the PPU region tree, one competition, an account per role and labelled demo self-assessments."""
