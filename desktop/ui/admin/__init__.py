"""Administration: users, the audit log, the office profile and settings."""
