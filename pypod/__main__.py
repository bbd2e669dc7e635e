from pypod.cli.main import entry

entry()
