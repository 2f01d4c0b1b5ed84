"""The committee's view of the audit trail: filter it and export it."""
