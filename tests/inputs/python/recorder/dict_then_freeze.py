# expect: I18
from immutable import freeze
class Node:
    def __init__(self, name, nxt):
        self.name = name
        self.next = nxt
a = Node('a', None)
b = Node('b', a)
a.next = b
a.__dict__
freeze(a)
