# expect 2:1 expected a statement
(y := 3)
