# expect 2:8 non-UTF-8 byte 0xe2
x = 'abâ‚
