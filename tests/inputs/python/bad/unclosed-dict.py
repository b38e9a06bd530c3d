# expect 2:12 expected ','
d = {'a': 1
