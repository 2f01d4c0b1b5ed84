"""What several domains share over the models: audit, scope and visibility, stages, notifications."""
