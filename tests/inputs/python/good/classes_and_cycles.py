from immutable import freeze, set_freezable, FREEZABLE_NO
class Node:
    def __init__(self, n, nxt):
        self.name = n
        self.next = nxt
        self.kids = []
a = Node('a', None)
b = Node("b", a)
a.next = b  # a cycle
xs = [a, 1, (2, 'x')]
xs.append(b)
d = {'k': xs, 3: None}
d['k'] = a.next
set_freezable(b, FREEZABLE_NO)
del b
freeze(a, d)
