# A failed freeze over a two-object cycle kills the runtime (found and shrunk by `lungfish diff
# --runtime cpython`, seed 5): the list that was `w` is explicitly freezable and not a root, so
# `freeze(v, w)` (line 18) fails after entering the cycle w -> q -> w; the rollback leaves both
# counts as garbage (a plain run prints 1472493825 for sys.getrefcount(w)) and the recorder,
# reading the heap after the statement, dies with SIGSEGV. Recorded with --keep-going.
from immutable import freeze, set_freezable, FREEZABLE_YES, FREEZABLE_NO, FREEZABLE_EXPLICIT
class Node:
    pass
class Leaf(Node):
    pass
y = [[None]]
w = [None, y]
q = [{"k": y}, w]
set_freezable(w, FREEZABLE_EXPLICIT)
w = q[0]
w["m"] = q
v = {"k": Leaf(), "m": {"k": w}}
freeze(v, w)
