"""registries.conf (v2, and v1 converted to the same model): search registries, short-name
aliases, per-prefix registry settings and mirrors.

Files, as containers/image reads them:
    main file: $CONTAINERS_REGISTRIES_CONF, else ~/.config/containers/registries.conf if it
               exists, else /etc/containers/registries.conf
    drop-ins:  /etc/containers/registries.conf.d/*.conf then ~/.config/containers/
               registries.conf.d/*.conf, each directory in lexical order (when the main file is
               the user's own, only the user's drop-in directory is read)
    alias cache: short-name-aliases.conf in ~/.cache/containers (rootless) or
               /var/cache/containers (root); its aliases win over the configuration files.
Merging: a later [[registry]] with the same prefix replaces the earlier one; a later
unqualified-search-registries or short-name-mode replaces the earlier value when set;
[aliases] merge key by key and an empty value erases an alias.

This module works on reference *strings* ("quay.io/ns/repo:tag"): pypod.config sits below
pypod.image, so it does not parse them with the full grammar.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from pypod.config import paths as config_paths
from pypod.config import tomlfile
from pypod.config.tomlfile import TomlFile
from pypod.errors import ConfigError
from pypod.log import get_logger
from pypod.records import field, record

log = get_logger(__name__)

SYSTEM_FILE = "/etc/containers/registries.conf"
SYSTEM_DROPIN_DIR = "/etc/containers/registries.conf.d"
SHORT_NAME_MODES = ("enforcing", "permissive", "disabled")
PULL_FROM_MIRROR = ("", "all", "digest-only", "tag-only")


@record
class Mirror:
    location: str
    insecure: bool = False
    pull_from_mirror: str = ""  # "" or "all": tags and digests; "digest-only"; "tag-only"


@record
class Registry:
    prefix: str  # "quay.io/ns", or "*.example.com" for every subdomain
    location: str  # where to pull from ("" only for wildcard prefixes)
    insecure: bool = False
    blocked: bool = False
    mirror_by_digest_only: bool = False
    mirrors: tuple[Mirror, ...] = ()


@record
class Endpoint:
    name: str  # the reference rewritten for this endpoint, e.g. "mirror.local/ns/repo:tag"
    insecure: bool
    mirror: bool


def _match_len(ref: str, prefix: str) -> int:
    """How much of ref the prefix matches (-1: no match); a match must end at / : @ or the end."""
    if prefix.startswith("*."):
        host_end = len(ref.split("/", 1)[0])
        idx = ref.find(prefix[1:])
        if idx == -1 or idx >= host_end:
            return -1
        end = idx + len(prefix) - 1
    else:
        if not ref.startswith(prefix):
            return -1
        end = len(prefix)
    if end == len(ref) or ref[end] in ":/@":
        return end
    return -1


@record
class RegistriesConf:
    registries: tuple[Registry, ...] = ()
    unqualified_search_registries: tuple[str, ...] = ()
    short_name_mode: str = "permissive"
    aliases: Mapping[str, str] = field(default_factory=dict)
    alias_sources: Mapping[str, str] = field(default_factory=dict)  # alias -> defining file
    sources: tuple[str, ...] = ()  # files read, in order
    main_file: str = SYSTEM_FILE  # named in "no unqualified-search registries in ..." errors

    @classmethod
    def load(
        cls,
        paths: Sequence[str] | None = None,
        env: Mapping[str, str] | None = None,
        *,
        alias_cache: str | None = None,
    ) -> RegistriesConf:
        """Merge `paths` (default: config_files(env): main file, then drop-ins) then the alias
        cache (default: alias_cache_path(env); "" for none)."""
        env = os.environ if env is None else env
        files = config_files(env) if paths is None else list(paths)
        if alias_cache is None:
            alias_cache = alias_cache_path(env)
        merged = _Merger()
        for path in files:
            doc = tomlfile.load(path)
            if doc is not None:
                merged.add(_parse_file(doc))
        if alias_cache:
            doc = tomlfile.load(alias_cache)
            if doc is not None:
                merged.add_aliases(doc, _aliases(doc))
        return merged.result(main_file=files[0] if files else SYSTEM_FILE)

    def find_registry(self, ref_name: str) -> Registry | None:
        """The [[registry]] whose prefix matches the longest part of ref_name. A wildcard
        match is returned with the matched host as its prefix and location."""
        best: Registry | None = None
        best_len = -1
        for reg in self.registries:
            n = _match_len(ref_name, reg.prefix)
            if n > best_len:
                best, best_len = reg, n
        if best is not None and best.prefix.startswith("*."):
            host = ref_name[:best_len]
            best = Registry(
                prefix=host,
                location=host,
                insecure=best.insecure,
                blocked=best.blocked,
                mirror_by_digest_only=best.mirror_by_digest_only,
                mirrors=best.mirrors,
            )
        return best

    def pull_sources(self, ref_name: str) -> list[Endpoint]:
        """Where to pull ref_name from, in order: usable mirrors, then the primary location."""
        reg = self.find_registry(ref_name)
        if reg is None:
            return [Endpoint(name=ref_name, insecure=False, mirror=False)]
        rest = ref_name[len(reg.prefix) :]
        by_digest = "@" in ref_name
        out = []
        for m in reg.mirrors:
            mode = "digest-only" if reg.mirror_by_digest_only else m.pull_from_mirror
            if (mode == "digest-only" and not by_digest) or (mode == "tag-only" and by_digest):
                continue
            out.append(Endpoint(name=m.location + rest, insecure=m.insecure, mirror=True))
        out.append(Endpoint(name=reg.location + rest, insecure=reg.insecure, mirror=False))
        return out

    def is_insecure(self, host: str) -> bool:
        """True when host (host[:port]) is a registry or mirror marked insecure."""
        reg = self.find_registry(host)
        if reg is not None and reg.insecure:
            return True
        return any(
            m.insecure and m.location.split("/", 1)[0] == host
            for r in self.registries
            for m in r.mirrors
        )

    def is_blocked(self, ref_name: str) -> bool:
        reg = self.find_registry(ref_name)
        return reg is not None and reg.blocked


def config_files(env: Mapping[str, str] | None = None) -> list[str]:
    """The main file first, then the drop-ins, in the order they are merged."""
    env = os.environ if env is None else env
    user_dir = config_paths.user_containers_dir(env)
    user_file = os.path.join(user_dir, "registries.conf")
    user_dropins = tomlfile.dropins(os.path.join(user_dir, "registries.conf.d"))
    if env.get("CONTAINERS_REGISTRIES_CONF"):
        main = env["CONTAINERS_REGISTRIES_CONF"]
    elif os.path.exists(user_file):
        return [user_file, *user_dropins]
    else:
        main = SYSTEM_FILE
    return [main, *tomlfile.dropins(SYSTEM_DROPIN_DIR), *user_dropins]


def alias_cache_path(env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    if config_paths.is_rootless(env):
        return os.path.join(config_paths.cache_home(env), "containers", "short-name-aliases.conf")
    return "/var/cache/containers/short-name-aliases.conf"


# --- one file ------------------------------------------------------------------------------


@record(frozen=False)
class _FileConf:
    doc: TomlFile
    registries: list[Registry]
    search: tuple[str, ...] | None
    mode: str | None
    aliases: dict[str, str]


def _location(doc: TomlFile, key: str, value: Any) -> str:
    loc = tomlfile.check(doc, key, value, str).rstrip("/")
    if loc.startswith(("http://", "https://")):
        doc.fail(key, f"invalid location {loc!r}: URI schemes are not supported")
    return loc


def _mirror(doc: TomlFile, raw: Any) -> Mirror:
    tomlfile.check(doc, "registry.mirror", raw, dict)
    loc = _location(doc, "location", raw.get("location", ""))
    if not loc:
        doc.fail("registry.mirror", "a mirror needs a location")
    pfm = tomlfile.check(doc, "pull-from-mirror", raw.get("pull-from-mirror", ""), str)
    if pfm not in PULL_FROM_MIRROR:
        doc.fail("pull-from-mirror", f"unsupported value {pfm!r}")
    insecure = tomlfile.check(doc, "insecure", raw.get("insecure", False), bool)
    return Mirror(location=loc, insecure=insecure, pull_from_mirror=pfm)


def _registry(doc: TomlFile, raw: Any) -> Registry:
    tomlfile.check(doc, "registry", raw, dict)
    location = _location(doc, "location", raw.get("location", ""))
    prefix = tomlfile.check(doc, "prefix", raw.get("prefix", ""), str).rstrip("/") or location
    if not prefix:
        doc.fail("registry", "both location and prefix are unset")
    if "*" in prefix:
        if not prefix.startswith("*.") or "*" in prefix[1:] or "/" in prefix:
            doc.fail("prefix", f"invalid wildcard prefix {prefix!r}")
        if location:
            doc.fail("location", f"must be empty for the wildcard prefix {prefix!r}")
    mirrors = tuple(
        _mirror(doc, m) for m in tomlfile.check(doc, "mirror", raw.get("mirror", []), list)
    )
    by_digest = tomlfile.check(
        doc, "mirror-by-digest-only", raw.get("mirror-by-digest-only", False), bool
    )
    if by_digest and any(m.pull_from_mirror for m in mirrors):
        doc.fail("pull-from-mirror", "cannot be combined with mirror-by-digest-only")
    return Registry(
        prefix=prefix,
        location=location,
        insecure=tomlfile.check(doc, "insecure", raw.get("insecure", False), bool),
        blocked=tomlfile.check(doc, "blocked", raw.get("blocked", False), bool),
        mirror_by_digest_only=by_digest,
        mirrors=mirrors,
    )


def _is_short(name: str) -> bool:
    first, _, rest = name.partition("/")
    return not (rest and ("." in first or ":" in first or first == "localhost"))


def _aliases(doc: TomlFile) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in tomlfile.table(doc, "aliases", doc.data).items():
        tomlfile.check(doc, name, value, str)
        last = name.rsplit("/", 1)[-1]
        if not _is_short(name) or "@" in name or ":" in last:
            doc.fail(name, "an alias must be a short name without tag or digest")
        if value and (_is_short(value) or "@" in value or ":" in value.rsplit("/", 1)[-1]):
            doc.fail(name, f"alias value {value!r} must be fully qualified, without tag or digest")
        out[name] = value
    return out


def _parse_v1(doc: TomlFile, v1: Any) -> _FileConf:
    tomlfile.check(doc, "registries", v1, dict)
    lists = {}
    for kind in ("search", "insecure", "block"):
        tbl = tomlfile.table(doc, kind, v1)
        lists[kind] = tomlfile.str_list(doc, f"registries.{kind}", tbl.get("registries", []))
    regs: dict[str, Registry] = {}
    for host in (*lists["insecure"], *lists["block"]):
        regs[host] = Registry(
            prefix=host,
            location=host,
            insecure=host in lists["insecure"],
            blocked=host in lists["block"],
        )
    return _FileConf(
        doc=doc,
        registries=list(regs.values()),
        search=lists["search"] or None,
        mode=None,
        aliases=_aliases(doc),
    )


def _parse_file(doc: TomlFile) -> _FileConf:
    data = doc.data
    v2_keys = {"registry", "unqualified-search-registries", "short-name-mode"}
    if "registries" in data:
        if v2_keys & data.keys():
            raise ConfigError(doc.path, "mixing sysregistry v1/v2 is not supported")
        return _parse_v1(doc, data["registries"])
    regs = [
        _registry(doc, r) for r in tomlfile.check(doc, "registry", data.get("registry", []), list)
    ]
    seen: set[str] = set()
    for reg in regs:
        if reg.prefix in seen:
            doc.fail("prefix", f"registry {reg.prefix!r} is defined multiple times")
        seen.add(reg.prefix)
    search = None
    if "unqualified-search-registries" in data:
        key = "unqualified-search-registries"
        search = tomlfile.str_list(doc, key, data[key])
        for host in search:
            if "/" in host or not host:
                doc.fail(key, f"{host!r} is not a registry host[:port]")
    mode = None
    if "short-name-mode" in data:
        mode = tomlfile.check(doc, "short-name-mode", data["short-name-mode"], str)
        if mode and mode not in SHORT_NAME_MODES:
            doc.fail("short-name-mode", f"invalid short-name mode {mode!r}")
    return _FileConf(
        doc=doc, registries=regs, search=search, mode=mode or None, aliases=_aliases(doc)
    )


@record(kw_only=False, frozen=False)
class _Merger:
    registries: dict[str, Registry] = field(default_factory=dict)
    search: tuple[str, ...] = ()
    mode: str = "permissive"
    aliases: dict[str, str] = field(default_factory=dict)
    alias_sources: dict[str, str] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)

    def add(self, conf: _FileConf) -> None:
        self.sources.append(conf.doc.path)
        for reg in conf.registries:
            self.registries[reg.prefix] = reg
        if conf.search is not None:
            self.search = conf.search
        if conf.mode is not None:
            self.mode = conf.mode
        self.add_aliases(conf.doc, conf.aliases, record=False)

    def add_aliases(self, doc: TomlFile, aliases: dict[str, str], record: bool = True) -> None:
        if record:
            self.sources.append(doc.path)
        for name, value in aliases.items():
            if value:
                self.aliases[name] = value
                self.alias_sources[name] = doc.path
            else:
                self.aliases.pop(name, None)
                self.alias_sources.pop(name, None)

    def result(self, *, main_file: str) -> RegistriesConf:
        return RegistriesConf(
            registries=tuple(self.registries.values()),
            unqualified_search_registries=self.search,
            short_name_mode=self.mode,
            aliases=dict(self.aliases),
            alias_sources=dict(self.alias_sources),
            sources=tuple(self.sources),
            main_file=main_file,
        )
