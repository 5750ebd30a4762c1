"""The Reports section."""
