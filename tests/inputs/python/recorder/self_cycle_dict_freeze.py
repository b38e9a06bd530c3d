# expect: location at frame.z: runtime local, model imm
# A freeze that silently fails (found and shrunk by `lungfish diff --runtime cpython`): with its
# dict materialised, a self-referencing instance's SCC count is undercounted by both of the
# self-edge's visits and reaches 0 inside freeze, which tears the SCC down: freeze returns, the
# object is mutable and its attributes are gone.
from immutable import freeze
class Node:
    pass
z = Node()
z.f = z
vars(z)
freeze(z)
z.g = None
