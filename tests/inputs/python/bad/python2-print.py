# expect 3:7 expected '='
x = {}
print "x"
