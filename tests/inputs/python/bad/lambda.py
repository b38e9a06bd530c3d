# expect 2:12 unexpected 'x'
f = lambda x: x
