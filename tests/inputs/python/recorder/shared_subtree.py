class Node:
    def __init__(self, v, nxt):
        self.v = v
        self.nxt = nxt
leaf = Node(0, None)
l = Node(1, leaf)
r = Node(2, leaf)
root = [l, r]
leaf = None
r.nxt = l
