"""Results after the plenary: provisional publication (freeze), final snapshot, berita acara, public verification."""
