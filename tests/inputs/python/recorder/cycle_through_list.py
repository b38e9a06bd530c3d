class Node:
    def __init__(self, v, nxt):
        self.v = v
        self.nxt = nxt
a = Node(1, None)
xs = [a]
a.nxt = xs
ys = [xs, a]
xs.append(ys)
