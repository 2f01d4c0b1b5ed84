"""The operator desa's journey: the self-assessment (penilaian mandiri) with evidence, and its submission."""
