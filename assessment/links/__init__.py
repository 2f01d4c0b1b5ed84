"""Online evidence: links fetched safely (:mod:`.fetch`), captured and archived (:mod:`.capture`)."""
