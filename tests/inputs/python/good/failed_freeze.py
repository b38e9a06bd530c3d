from immutable import freeze, set_freezable, FREEZABLE_NO
class C:
    def __init__(self, v):
        self.v = v
c = C(None)
n = {}
set_freezable(n, FREEZABLE_NO)
c.v = n
freeze(c)
