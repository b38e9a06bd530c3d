# expect 3:5 'not' is outside the subset
x = True
y = not x
