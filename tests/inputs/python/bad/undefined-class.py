# expect 2:12 unexpected '('
x = Missing(1)
