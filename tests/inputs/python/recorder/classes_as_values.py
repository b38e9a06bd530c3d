class Node:
    def __init__(self, v, nxt):
        self.v = v
        self.nxt = nxt
k = Node
x = Node(k, None)
