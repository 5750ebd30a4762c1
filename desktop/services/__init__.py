"""Use cases in plain Python. No Qt. Services enforce permissions and validation."""
