"""The signing package's one error: in a module of its own, so that every key source
(_keys, _csc) raises it without importing one another."""


class SigningUnavailable(Exception):
    """The school's key or the TSA cannot be reached now: retry later."""
