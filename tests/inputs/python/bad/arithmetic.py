# expect 3:7 unexpected character '+' (outside the Python subset)
x = 1
y = x + 1
