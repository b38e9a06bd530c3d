# expect 2:10 expected ','
x = [1, 2
y = 3
