"""Freezing approved versions into signed PDF/A files in object storage,
their verification, and the year-end package."""
