class Node:
    def __init__(self, v, nxt):
        self.v = v
        self.nxt = nxt
a = Node(1, None)
b = Node(2, a)
c = b.nxt
d = [c]
e = d[0]
