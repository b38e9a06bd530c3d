# expect 2:10 unexpected '('
x = print(1)
