# expect 2:6 non-UTF-8 byte 0xc0
x = 'À¯'
