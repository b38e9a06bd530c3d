"""Version-gated reader of the patched CPython's object header (notes/cpython-immutability.md
1.2 and 8): frozen state and SCC links, read with ctypes, never through immutable.is_frozen()
(which freezes shallow-immutable graphs as a side effect).

Enabled only on the patched 3.15 runtime: sys.version_info >= (3, 15) and a module `immutable`.
Layout (64-bit, default build): ob_flags is the uint16 at offset 6 of the object (the upper half
of the refcount word); bit 3 (8) immutable, bit 4 (16) SCC member (indirect count); 8|16 = a
member whose count lives on its representative, 16 alone = pending. For GC objects the PyGC_Head
precedes the object: _gc_prev at -8 points to the representative of an indirect member."""

import ctypes
import gc
import importlib.util
import sys

IMMUTABLE = 8
SCC = 16


def available():
    """True if this interpreter has the patched header layout."""
    return (sys.version_info >= (3, 15) and ctypes.sizeof(ctypes.c_void_p) == 8
            and importlib.util.find_spec("immutable") is not None)


class HeaderReader:
    """Reads frozen flags and SCC representatives; every method returns None when unknown."""

    def __init__(self):
        self.enabled = available()

    def flags(self, obj):
        if not self.enabled:
            return None
        return ctypes.c_uint16.from_address(id(obj) + 6).value

    def frozen(self, obj):
        f = self.flags(obj)
        return None if f is None else bool(f & IMMUTABLE)

    def scc_rep_address(self, obj):
        """The address of obj's representative (itself for a direct count), or None."""
        f = self.flags(obj)
        if f is None or not (f & IMMUTABLE):
            return None
        if not (f & SCC) or not gc.is_tracked(obj) and not (f & SCC):
            return id(obj)
        prev = ctypes.c_uint64.from_address(id(obj) - 8).value & ~0x3
        return prev or None
