"""Networks: netavark + aardvark-dns for bridge and macvlan networks, pasta and slirp4netns
for rootless networking, port forwarding.

May import config, host and errors. Never imports core, domain, local or cli; the engine calls
it when a container starts and stops.
"""
