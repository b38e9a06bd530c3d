# expect 2:8 expected '='
global x
