class Base:
    def __init__(self):
        self.items = []

    def add(self, x):
        self.items.append(x)
        return self

class Pair(Base):
    def __init__(self, left, right):
        super().__init__()
        self.left = left
        self.right = right

    def swap(self):
        self.left, self.right = self.right, self.left

p = Pair([1], {"k": None})
q = Pair(p, None)
q.add(p).add(q)
p.swap()
r = q.items
r.append(None)
