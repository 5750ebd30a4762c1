"""Qt widgets. Thin: every decision is a service call."""
