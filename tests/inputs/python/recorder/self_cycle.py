class Node:
    def __init__(self, v, nxt):
        self.v = v
        self.nxt = nxt
a = Node(1, None)
a.nxt = a
b = a
del a
