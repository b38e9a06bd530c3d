# expect 2:1 expected an indented block after 'class C:'
class C:
