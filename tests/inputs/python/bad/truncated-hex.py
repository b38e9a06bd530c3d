# expect 2:6 unexpected 'x'
x = 0x
