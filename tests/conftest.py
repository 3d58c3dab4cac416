"""Shared by every test of the project itself."""

# pytester's in-process runs restore sys.modules afterwards, so a module first imported inside one
# run is imported anew in the next. httpx imports httpcore lazily and caches its exception map by
# httpcore's classes: a second httpcore would let raw httpcore errors escape httpx's mapping.
# Importing it here keeps one httpcore for the whole session.
import httpcore  # noqa: F401
