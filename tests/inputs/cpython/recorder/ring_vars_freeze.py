from immutable import freeze
class Node:
    def __init__(self, name):
        self.name = name
        self.peers = []
ring = [Node(i) for i in range(3)]
for i, n in enumerate(ring):
    n.peers.append(ring[(i + 1) % 3])
vars(ring[0])
freeze(ring[0])
keep = ring[1]
ring = None
keep2 = keep.peers
