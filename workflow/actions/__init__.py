"""Every write of the workflow as an action class: `check()`, then `execute()` in one
transaction with its history and audit entry, its event after commit, and a refusal
logged once to the audit chain (base.py says how)."""

from workflow.actions.adjustments import AdjustmentsSave
from workflow.actions.base import Action, ActionRefused, TransitionRefused
from workflow.actions.corrections import (
    CorrectionAcknowledge,
    CorrectionDecide,
    CorrectionFinish,
    CorrectionRequest,
    revision_diff,
)
from workflow.actions.locks import LockCreate, LockRelease, active_lock, lock_message
from workflow.actions.transitions import TakeStep, completeness_errors

__all__ = [
    "Action",
    "ActionRefused",
    "AdjustmentsSave",
    "CorrectionAcknowledge",
    "CorrectionDecide",
    "CorrectionFinish",
    "CorrectionRequest",
    "LockCreate",
    "LockRelease",
    "TakeStep",
    "TransitionRefused",
    "active_lock",
    "completeness_errors",
    "lock_message",
    "revision_diff",
]
