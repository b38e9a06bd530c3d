a = []
b = [a, 1]
c = [b, b, None]
a.append(c)
b.append(a)
