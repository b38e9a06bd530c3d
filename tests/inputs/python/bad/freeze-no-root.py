# expect 3:1 freeze needs at least one root
from immutable import freeze
freeze()
