d = {"a": [], "b": {}}
e = dict(d)
d.update({"c": [1]})
lst = d.setdefault("x", [])
lst.append(e)
v = d.pop("a")
w = d.get("b")
keys = list(d.keys())
s = {1, 2}
s.add(3)
d.clear()
