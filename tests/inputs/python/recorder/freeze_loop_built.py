from immutable import freeze
class Node:
    def __init__(self, v, nxt):
        self.v = v
        self.nxt = nxt
nodes = []
for i in range(4):
    nodes.append(Node(i, None))
for j in range(3):
    nodes[j].nxt = nodes[j + 1]
tail = nodes[3]
tail.nxt = nodes[0]
freeze(nodes)
try:
    tail.v = 5
except TypeError:
    pass
fresh = [tail]
tail.v = 6
