# expect 3:1 'if' is outside the subset
x = {}
if x:
    y = 1
