"""The record states, for the workflow's callers: declared in recordpages.registry."""

from recordpages.registry import FROZEN_STATES, REMOVABLE_STATES, UNSUBMITTED_STATES, State

# States in which the content is frozen: changing it needs the correction procedure (R5).
APPROVED_STATES = FROZEN_STATES

__all__ = ["APPROVED_STATES", "FROZEN_STATES", "REMOVABLE_STATES", "UNSUBMITTED_STATES", "State"]
