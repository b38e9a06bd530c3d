# expect 3:7 unexpected character '>'
x = {}
print >>x, 1
