"""Output formatting shared by the front ends: Go text/template (gotemplate.py) and the
human units Podman prints (sizes, durations). Imports only the standard library."""
