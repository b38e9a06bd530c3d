from immutable import freeze
inner = {'x': None}
mid = {'y': inner}
outer = [inner, mid]
outer.append(mid)
freeze(outer)
inner['z'] = 1
