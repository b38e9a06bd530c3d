# expect 3:3 unexpected character '+' (outside the Python subset)
x = 1
x += 2
