"""The rubric as data: a pure, typed core (model, parsing, fingerprint) and thin file loaders."""
