# expect 2:5 'lambda' is outside the subset
f = lambda x: x
