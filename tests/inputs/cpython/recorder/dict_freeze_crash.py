# The materialised-dict defect (notes/cpython-immutability.md 7.1) killing the runtime in the
# freeze (found and shrunk by `lungfish diff --runtime cpython`, seed 5): z's dict is
# materialised (line 17), z sits on the cycle q -> z -> q, and `freeze(q, w)` (line 18) dies
# with SIGSEGV under the recorder (a plain run dies at the next use of z). Recorded with
# --keep-going.
from immutable import freeze, set_freezable, FREEZABLE_YES, FREEZABLE_NO, FREEZABLE_EXPLICIT
class Pair:
    def __init__(self, a, b):
        self.a = a
        self.b = b
q = {"k": {"k": None, "m": None}, "m": Pair(None, None)}
w = [q]
z = Pair("s", q)
q["k"] = z
w[0] = w
z.g = {"k": q, "m": w}
z.__dict__
freeze(q, w)
