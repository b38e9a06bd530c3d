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
import sysconfig

IMMUTABLE = 8
SCC = 16
MANAGED_DICT = 1 << 4  # Py_TPFLAGS_MANAGED_DICT (3.11 and later)


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


def managed_dict(obj):
    """The materialised instance dict of obj, or None, read without materialising it: the
    managed-dict slot three words before the object (CPython 3.11 to 3.15, GIL build, 64-bit; in
    3.12 the slot holds the inline values, tagged with bit 0, until the dict exists). Reading
    obj.__dict__, vars(obj) or dir(obj) would create the dict (notes/cpython-immutability.md 7.1)."""
    if (sys.version_info < (3, 11) or ctypes.sizeof(ctypes.c_void_p) != 8
            or sysconfig.get_config_var("Py_GIL_DISABLED")
            or not type(obj).__flags__ & MANAGED_DICT):
        return None
    addr = ctypes.c_void_p.from_address(id(obj) - 24).value
    if not addr or addr & 1:
        return None
    for r in gc.get_referents(obj):
        if id(r) == addr:
            return r
    return ctypes.cast(addr, ctypes.py_object).value  # visited only through the inline values
