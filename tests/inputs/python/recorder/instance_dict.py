class Node:
    def __init__(self, v, nxt):
        self.v = v
        self.nxt = nxt
a = Node([], None)
b = Node(None, a)
a.__dict__
d = vars(b)
e = a.__dict__
a.nxt = b
dir(a)
