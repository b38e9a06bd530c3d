# expect 2:1 'Region' is outside the subset
Region = 1
