# expect 3:10 unexpected '.'
x = {}
x.f = x.g.h
