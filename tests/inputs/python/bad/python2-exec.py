# expect 3:1 Python 2 'exec' statement
x = {}
exec "x.f = None"
