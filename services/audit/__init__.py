"""The audit log (审计日志): writers record entries (log.py); the sealer chains them with a key kept outside the
database and anchors the chain's head outside it too (chain.py, anchors.py); checks.py verifies and alerts."""

from services.audit.log import change, entry_id_of, jsonable, record

__all__ = ["change", "entry_id_of", "jsonable", "record"]
