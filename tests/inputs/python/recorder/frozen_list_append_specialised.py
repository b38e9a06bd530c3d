# expect: E_IMMUTABLE
from immutable import freeze
def app(l, x):
    l.append(x)
xs = []
for i in range(3):
    app(xs, i)
ys = [0]
freeze(ys)
app(ys, 1)
zs = [ys]
