a = [1]
b = a
del a
a = {}
b.append(a)
