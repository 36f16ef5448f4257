"""Real servers for tests and CI (see DESIGN.md, "Services and how each starts")."""
from ._base import ServiceStartError, ServiceUnavailable
from .postgres import PostgresServer

__all__ = ["PostgresServer", "ServiceStartError", "ServiceUnavailable"]
