a = []
b = c
