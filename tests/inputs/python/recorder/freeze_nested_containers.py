from immutable import freeze
shared = {"deep": [[], {}]}
outer = [shared, {"again": shared}, ([1], 2)]
view = outer[1]
freeze(view)
inner = shared["deep"]
box = {"frozen": inner}
box["frozen"] = None
inner.append(1)
