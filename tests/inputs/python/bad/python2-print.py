# expect 3:1 Python 2 'print' statement
x = {}
print "x"
