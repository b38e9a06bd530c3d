# expect 3:1 'assert' is outside the subset
x = {}
assert x
