class Node:
    def __init__(self, v, nxt):
        self.v = v
        self.nxt = nxt
xs = []
n = Node(0, None)
xs.append(n)
m = Node(1, n)
d = {'m': m, 'xs': xs}
n.v = d
