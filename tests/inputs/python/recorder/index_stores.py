class Node:
    def __init__(self, v, nxt):
        self.v = v
        self.nxt = nxt
n = Node(1, None)
xs = [n, None]
xs[1] = n
ys = xs
ys.append(None)
del n
