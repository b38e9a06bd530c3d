class Registry:
    pass
x = []
Registry.items = x
def keep(a=x):
    return a
s = {1}
y = [x]
def counter():
    box = [x]
    while True:
        yield box
gen = counter()
first = next(gen)
Registry.items = y
z = x
