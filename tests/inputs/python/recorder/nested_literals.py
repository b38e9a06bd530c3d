class Node:
    def __init__(self, v, nxt):
        self.v = v
        self.nxt = nxt
a = Node(1, None)
b = [a]
items = [a, b, {"k": [1, 2]}]
b.append(items)
inner = items[2]
inner["back"] = b
grid = [[None, a], [b, []]]
row = grid[1]
row.append(grid)
