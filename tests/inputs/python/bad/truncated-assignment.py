# expect 3:7 expected a variable, None, a literal, [] or {}
x = {}
x.f = 