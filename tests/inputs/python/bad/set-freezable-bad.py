# expect 4:18 expected a variable
from immutable import set_freezable
x = {}
set_freezable(x, 42)
