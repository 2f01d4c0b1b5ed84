"""The assessor's side of verification: desk scoring beside the evidence, uji akses, conflict declarations."""
