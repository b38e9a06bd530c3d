class Node:
    def __init__(self, v, nxt):
        self.v = v
        self.nxt = nxt
a = Node(1, None)
b = Node(2, a)
a.nxt = b
