"""Enlace: offline-first desktop application for local migration offices."""

__version__ = "0.1.0"
APP_NAME = "Enlace"
