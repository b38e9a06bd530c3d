class Node:
    def __init__(self, v, nxt):
        self.v = v
        self.nxt = nxt
xs = []
for i in range(3):
    xs.append(Node(i, None))
head = None
for n in xs:
    n.nxt = head
    head = n
k = 0
while k < 2:
    xs.append([k])
    k = k + 1
last = xs[4]
xs.append(last)
