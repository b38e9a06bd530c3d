# expect: E_IMMUTABLE
from immutable import freeze
class Base:
    def __init__(self):
        self.items = []

    def add(self, x):
        self.items.append(x)

class Leaf(Base):
    pass

def fill(obj, n):
    for k in range(n):
        obj.add([k])
    return obj

leaf = fill(Leaf(), 2)
other = Leaf()
other.add(leaf)
freeze(leaf)
keep = [other]
other.add(None)
leaf.add(None)
