"""The tidu.xlam add-in: ribbon XML, VBA callbacks and the build that puts them together."""
