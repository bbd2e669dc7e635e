"""The pypod command: argument parsing and output formatting only.

main.py parses global flags and dispatches through the command table (table.py) to a small
module in commands/, imported only when chosen. Commands call the engine API (pypod.domain)
through ctx.engine; they never import image, storage, config or host.
"""
