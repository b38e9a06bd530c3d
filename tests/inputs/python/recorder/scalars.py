x = 1
y = 'two'
z = (1, 'a')
x = None
