# expect 2:6 carriage return not followed by a line feed
x = 1y = 2