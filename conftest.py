pytest_plugins = ["torchspecs.plugin", "pytester"]
