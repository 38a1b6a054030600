"""Names of the input formats, known without importing any reader (for messages and options)."""

from __future__ import annotations

__all__ = ["PLATFORMS"]

# platform exports read by analyzer.exports (zip / tar.gz / folder / posts file)
PLATFORMS = ("x", "mastodon", "linkedin", "facebook", "instagram", "threads", "bluesky")
