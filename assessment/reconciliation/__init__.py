"""Reconciliation (rekonsiliasi) by the ketua tim: flagged items get an agreed level with a reason."""
