"""lungfish_record: run a Python program one top-level statement at a time and write a native
lungfish trace (docs/trace-format.md): a header, then one event per statement with its outcome
and a snapshot of the objects reachable from the program's globals. Standard library only."""

from .recorder import record, record_source

__all__ = ["record", "record_source"]
