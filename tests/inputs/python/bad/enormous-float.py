# expect 2:6 unexpected 'e999999'
x = 1e999999
