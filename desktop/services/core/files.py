"""Files Enlace writes for people to keep: created readable by their owner only."""

from __future__ import annotations

from desktop.store.keys import write_private

__all__ = ["write_private"]
