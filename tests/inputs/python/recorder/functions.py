class Node:
    def __init__(self, v, nxt):
        self.v = v
        self.nxt = nxt
def make(v):
    return Node(v, None)
def link(x, y):
    x.nxt = y
    return x
a = make(1)
b = make(2)
link(a, b)
c = link(b, a)
a.v = [c]
del c
