from immutable import freeze
a = {}
b = [a]
freeze(b)
a['x'] = None
