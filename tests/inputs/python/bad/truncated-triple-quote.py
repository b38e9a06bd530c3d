# expect 2:5 triple-quoted strings are outside the subset
x = '''abc
def'''
