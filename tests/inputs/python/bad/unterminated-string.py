# expect 2:5 unterminated string literal
x = 'abc
