# expect 3:1 unexpected indentation
x = 1
    y = 2
