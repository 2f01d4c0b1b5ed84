"""Plumbing every part of the app stands on (configuration, extensions, HTTP, storage, time, inputs)."""
