from immutable import freeze, set_freezable, FREEZABLE_NO
a = []
b = [a]
set_freezable(a, FREEZABLE_NO)
freeze(b)
