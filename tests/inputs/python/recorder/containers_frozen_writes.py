# The runtime's own tests' pattern (Lib/test/test_freeze/test_core.py), recorded with
# --keep-going: nested literals of instances, a freeze of several roots, then writes to the
# frozen containers, each refused with TypeError; the model judges each write.
from immutable import freeze
class C:
    pass
obj = [C(), C(), 1, 'two', None]
d = {1: C(), "two": [C()]}
s = {1, "two", None, True}
freeze(obj, d, s)
obj.append(C())
obj.clear()
del obj[0]
obj[1:3] = [None, None]
obj += [C()]
d.setdefault("three", C())
d.update({1: None})
d["two"].extend([None])
s.add(1)
s.discard(1)
