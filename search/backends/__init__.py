"""Search backends; only these modules import their engines."""
