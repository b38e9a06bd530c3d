# expect 3:1 'with' is outside the subset
x = {}
with x:
    pass
