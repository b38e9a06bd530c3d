# expect 3:2 control character 0x01
x = {}
	
