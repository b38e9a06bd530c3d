# expect 2:6 non-UTF-8 byte 0xff
x = 'ÿþ'
