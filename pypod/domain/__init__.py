"""The engine API: what pypod can do, independent of where it runs.

One module per noun (images.py, system.py, ...): frozen request/report dataclasses defined once
and an engine Protocol. The CLI and the REST API call only this; pypod.local implements it in
process, pypod.remote (later) over the REST API. Imports only pypod.errors and the standard
library (types from lower layers are passed through as plain data).
"""
