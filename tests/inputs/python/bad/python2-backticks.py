# expect 3:5 unexpected character '`'
x = 1
y = `x`
